import type { EplbPolicy } from '@routesim/analysis'
import type { Seed, StrategyDefinition } from '@routesim/core'
import type { ModelPreset } from '../presets/model-preset.ts'

/** A strategy by name with its parameters, as written in a scenario file. */
export interface StrategyChoice {
  readonly name: string
  readonly params: Readonly<Record<string, unknown>>
}

/** How EP ranks lay out the logical experts when EPLB is off (vLLM `linear` | `round_robin`). */
export type ScenarioPlacement = 'linear' | 'round_robin'

/**
 * Which replica of a logical expert a (token, slot) goes to:
 * - `modulo`: replica = flat position (t·k + j) mod replica count — vLLM's `_eplb_map_and_record` kernel.
 * - `random`: a uniform replica per slot — older vLLM (`rand · count`) and SGLang `dynamic` dispatch.
 * - `rank_local`: a replica on the token's own rank, else one on its node, else modulo — SGLang `static` (local first).
 */
export type ReplicaChoice = 'modulo' | 'random' | 'rank_local'
export const REPLICA_CHOICES: readonly ReplicaChoice[] = ['modulo', 'random', 'rank_local']

export interface EplbSettings {
  readonly enabled: boolean
  /** Steps of load kept in the sliding window (vLLM `window_size`, default 1000). */
  readonly windowSize: number
  /** Rebalance every this many steps (vLLM `step_interval`, default 3000; the first comes after ¼ of it). */
  readonly stepInterval: number
  /** Extra physical slots beyond the logical experts (vLLM `num_redundant_experts`). */
  readonly redundantExperts: number
  /** DeepSeek `rebalance_experts` policy; `auto` = hierarchical iff groups % nodes === 0 (vLLM, SGLang). */
  readonly policy: EplbPolicy
  readonly replicaChoice: ReplicaChoice
  /** vLLM's `preserve_intragpu_slots`: experts that stay on a GPU keep their slot (fewer slots change). */
  readonly preserveIntraGpuSlots: boolean
  /** Optional static start map: replicas per logical expert (each ≥ 1, summing to experts + redundant). */
  readonly initialReplicaCounts?: readonly number[]
}

export interface ParallelSettings {
  /** Expert-parallel ranks (GPUs). */
  readonly epSize: number
  /** Nodes the ranks are split over, contiguously. */
  readonly nodes: number
  /** Layout of logical experts over ranks when EPLB is off. */
  readonly placement: ScenarioPlacement
}

/** One capacity policy to evaluate drops with (see `@routesim/analysis` capacity functions). */
export interface CapacitySetting {
  /** Label in the results (defaults to the policy name plus its factor). */
  readonly label: string
  readonly policy: string
  readonly params: Readonly<Record<string, unknown>>
}

/** Normal router logits fed to strategies that read logits (real routers); ignored by the rest. */
export interface LogitSettings {
  readonly mean: number
  readonly std: number
}

/** A fully validated scenario: defaults filled in, preset resolved, one strategy per simulated layer. */
export interface Scenario {
  readonly name: string
  readonly seed: Seed
  readonly preset: ModelPreset
  /** MoE layers simulated (the model's first `numLayers` MoE layers). */
  readonly numLayers: number
  readonly tokensPerStep: number
  readonly steps: number
  /** `layerStrategies[l]` routes simulated MoE layer l. */
  readonly layerStrategies: readonly StrategyChoice[]
  readonly logits: LogitSettings
  readonly parallel: ParallelSettings
  readonly capacity: readonly CapacitySetting[]
  readonly eplb: EplbSettings
  /** Threads the run uses (default: the simulator's). Never changes results. */
  readonly threads?: number | undefined
}

/** Where `parseScenario` looks strategies up: names and, where known, their definitions (for parameter checks). */
export interface StrategyCatalog {
  readonly names: readonly string[]
  definition(name: string): StrategyDefinition | undefined
}
