import type { BalancednessReport, LoadSummary } from '@routesim/analysis'

/** All-to-all traffic of one layer-step (tokens start on their contiguous home rank; DeepEP-style dedup per rank). */
export interface TrafficSummary {
  /** Token copies sent to a rank other than the token's home. */
  readonly copiesLeavingRank: number
  /** Token copies sent to a rank on another node. */
  readonly copiesLeavingNode: number
  /** Tokens with at least one expert off their home rank. */
  readonly tokensLeavingRank: number
  /** Tokens with at least one expert off their home node. */
  readonly tokensLeavingNode: number
}

export interface DropResult {
  readonly label: string
  /** Slots each expert can take this step. */
  readonly capacity: number
  /** Top-k slots over capacity, summed over experts. */
  readonly dropped: number
  /** dropped / (T·k). */
  readonly droppedFraction: number
}

export interface LayerStepResult {
  /** Index among the simulated MoE layers. */
  readonly layer: number
  /** Decoder-layer index in the model. */
  readonly modelLayer: number
  readonly strategy: string
  /** Imbalance of the logical expert counts (top-k slots per expert; sums to T·k). */
  readonly load: LoadSummary
  /** Fraction of tokens whose k ids repeat an expert. */
  readonly duplicateIdRate: number
  /** mean/max rank load: `static` = logical experts laid out without replicas; `deployed` = the current EPLB map. */
  readonly balancedness: { readonly static: number; readonly deployed: number }
  /** max/mean rank load on the deployed map. */
  readonly rankMaxOverMean: number
  readonly drops: readonly DropResult[]
  readonly traffic: TrafficSummary
  /**
   * Top-k slots per EP rank, `static` (logical experts laid out without replicas; the deployed loads when
   * E does not divide over the ranks) and `deployed` (the current EPLB map). Only with `rankLoads: true`
   * in the run options, so the default per-step JSON stays as it is.
   */
  readonly rankLoads?: { readonly static: Float64Array; readonly deployed: Float64Array }
}

/** Every balancedness aggregation of one step's `[layers, ranks]` loads (`balancednessReport` of `@routesim/analysis`). */
export interface BalancednessAggregate extends Omit<BalancednessReport, 'perLayer'> {
  /** Σ_layers mean rank load and Σ_layers max rank load, so runs can aggregate token-weighted over steps. */
  readonly meanLoadSum: number
  readonly maxLoadSum: number
}

/** What one EPLB rearrangement did. */
export interface RebalanceEvent {
  /** Rearranged after this step (0-based). */
  readonly afterStep: number
  /** Steps of load in the window it used. */
  readonly windowSteps: number
  readonly policy: 'hierarchical' | 'global'
  /** Per-layer-mean balancedness of the window's load on the old map and on the new one (load split evenly over replicas). */
  readonly balancednessBefore: number
  readonly balancednessAfter: number
  /** Physical slots whose expert changed, over all layers. */
  readonly slotsChanged: number
  /** Expert weights copied onto a GPU that did not hold that expert before, over all layers (migration cost). */
  readonly expertTransfers: number
  /** (layer, logical expert) pairs whose set of GPUs changed. */
  readonly expertsMoved: number
  /** Physical slots filled by the new maps over all layers (layers × slots when every slot is placed). */
  readonly replicasPlaced: number
  /** (layer, logical expert) pairs left without any replica (always 0 for a valid plan). */
  readonly expertsWithoutReplica: number
  /** Extra copies of an expert on a GPU that already holds it, over all layers, after the rearrangement. */
  readonly duplicateReplicas: number
}

export interface StepResult {
  /** 0-based step index. */
  readonly step: number
  readonly tokens: number
  readonly layers: readonly LayerStepResult[]
  readonly balancedness: { readonly static: BalancednessAggregate; readonly deployed: BalancednessAggregate }
  /** Present when EPLB rearranged the experts after this step. */
  readonly rebalance?: RebalanceEvent
}
