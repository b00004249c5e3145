// Model presets
export { MODEL_PRESETS } from './presets/model-presets.ts'
export { findPreset, getPreset, listPresetNames } from './presets/find-preset.ts'
export { presetRouter } from './presets/preset-router.ts'
export type { ModelPreset, RoutingConfig } from './presets/model-preset.ts'

// Scenarios: schema, validation, strategy lookup
export { NATIVE_STRATEGY, parseScenario } from './scenario/parse-scenario.ts'
export { MAX_TOKENS_PER_STEP, ScenarioFileSchema, scenarioJsonSchema } from './scenario/scenario-schema.ts'
export type { ScenarioFile } from './scenario/scenario-schema.ts'
export type { ParseScenarioOptions } from './scenario/parse-scenario.ts'
export { CAPACITY_POLICIES, CAPACITY_POLICY_SPECS } from './scenario/capacity-settings.ts'
export { REPLICA_CHOICES } from './scenario/scenario.ts'
export type {
  CapacitySetting,
  EplbSettings,
  LogitSettings,
  ParallelSettings,
  ReplicaChoice,
  Scenario,
  ScenarioPlacement,
  StrategyCatalog,
  StrategyChoice,
} from './scenario/scenario.ts'
export { createDefinitionCatalog } from './scenario/strategy-catalog.ts'
export { createSimulatorCatalog } from './scenario/simulator-catalog.ts'

// The multi-step loop
export { iterateScenario, runScenario } from './loop/run-scenario.ts'
export type { LayerRouter, RoutedLayer, RunScenarioOptions, StrategyResolver } from './loop/run-scenario.ts'
export type { BalancednessAggregate, DropResult, LayerStepResult, RebalanceEvent, StepResult, TrafficSummary } from './loop/step-result.ts'
export type { BalancednessSummary, LayerSummary, ScenarioExecution, ScenarioSummary } from './loop/summary.ts'
export { gpuContiguousRow, physicalToLogicalFromCounts } from './loop/map-changes.ts'
