// The seed's strategy
export { DistributionBasedRouting, SUPPORTED_DISTRIBUTIONS } from './distribution-based-routing.ts'
export type { Distribution, DistributionInfo, DistributionParameters, UniformWeights } from './distribution-based-routing.ts'
export { builtInDefinitions, normalRoutingDefinition, uniformRandomDefinition } from './built-in-definitions.ts'

// Registry and simulators
export { createStrategyRegistry } from './strategy-registry.ts'
export type { RegisterOptions, RegistryEntry, StrategyRegistry } from './strategy-registry.ts'
export { createSimulator } from './simulator.ts'
export type { LayersRouting, RouteLayersOptions, SimulateOptions, Simulator, SimulatorOptions } from './simulator.ts'
export { RoutingSimulator } from './routing-simulator.ts'

// Threads: chunk runners and the layouts of chunked requests
export { createChunkRunner } from './default-runner.ts'
export { SAMPLE_CHUNK_ROWS } from './sample-rows.ts'
