// The seed's strategy
export { DistributionBasedRouting, SUPPORTED_DISTRIBUTIONS } from './distribution-based-routing.ts'
export type { Distribution, DistributionInfo, DistributionParameters, UniformWeights } from './distribution-based-routing.ts'
export { builtInDefinitions, normalRoutingDefinition, uniformRandomDefinition } from './built-in-definitions.ts'

// Registry and simulators
export { createStrategyRegistry } from './strategy-registry.ts'
export type { RegisterOptions, RegistryEntry, StrategyRegistry } from './strategy-registry.ts'
export { createSimulator } from './simulator.ts'
export type { LayersKept } from './route-layers.ts'
export type { LayersCounts, LayersRouting, RouteLayersOptions, RouteRequest, RoutedBatch, SimulateOptions, Simulator, SimulatorOptions } from './simulator.ts'

// Route one layer and measure its loads (the CLI's `route`/`demo` and the web app call this)
export { routeAndMeasure, syntheticLogits } from './route-and-measure.ts'
export type { RouteMeasureHooks, RouteMeasureRequest, RouteMeasurement } from './route-and-measure.ts'

// Threads: chunk runners and the layouts of chunked requests
export { createChunkRunner } from './default-runner.ts'
export { MAX_THREADS } from '@routesim/parallel'
export { SAMPLE_CHUNK_ROWS } from './sample-rows.ts'

// Multi-step runs: each layer's state pinned to one thread, every layer of a step at once
export { LAYER_SESSION_MIN_SLOTS, layerSessionBlocker, openSimulatorLayerSession } from './open-layer-session.ts'
export type { LayerSessionChoice, OpenLayerSessionOptions } from './open-layer-session.ts'
export { LAYER_STAT_FIELDS, LOAD_SUMMARY_FIELDS, fillNormalLogits, readLoadSummary } from './layer-session.ts'
export type { LayerSession, LayerSessionLayer, LayerSessionOutputs, LayerSessionSpec } from './layer-session.ts'

// Kernel backends: the one place that decides which backend a request runs on
export { BACKEND_CHOICES, GPU_BACKEND_CHOICES, createBackendRegistry, resolveBackend } from './backend-registry.ts'
export { resolveChunkBackend } from './chunk-backend.ts'
export type { ChunkBackendChoice } from './chunk-backend.ts'
export type {
  BackendFactory,
  BackendFactoryContext,
  BackendRegistry,
  BackendRegistryOptions,
  BuiltInBackendChoice,
  ResolvedBackend,
} from './backend-registry.ts'
export { RoutingSimulator } from './routing-simulator.ts'

// Deprecated: the reference kernels moved from @routesim/core to @routesim/backend-cpu (core keeps the
// contract only). These re-exports keep imports of the old names working; import from backend-cpu.
export {
  /** @deprecated Import from `@routesim/backend-cpu`. */
  createReferenceBackend,
  /** @deprecated Import from `@routesim/backend-cpu`. */
  referenceHistogram,
  /** @deprecated Import from `@routesim/backend-cpu`. */
  referenceTopK,
  /** @deprecated Import from `@routesim/backend-cpu`. */
  referenceWinnerScores,
  /** @deprecated Import from `@routesim/backend-cpu`. */
  referenceSampleIds,
  /** @deprecated Import from `@routesim/backend-cpu`. */
  SPLIT_HISTOGRAM_MIN_IDS,
  /** @deprecated Import from `@routesim/backend-cpu`. */
  accumulateSplitHistogram,
} from '@routesim/backend-cpu'
/** @deprecated Import from `@routesim/backend-cpu`. */
export type { ReferenceBackend } from '@routesim/backend-cpu'
