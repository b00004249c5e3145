import type { SamplingKind } from './kernel-backend.ts'
import type { Prng } from './prng.ts'

/**
 * How a strategy's ids for one layer can be drawn on a device: k ids per token from one sampling kind,
 * the same distribution on every call of the run (so the device draws them without the strategy).
 * `categorical_distinct` carries the layer's per-expert weights.
 */
export interface DeviceDraw {
  readonly kind: SamplingKind
  readonly weights?: Float64Array | undefined
}

/** The calls a device draw stands for: their shape, and the stream the layer's host calls would draw from. */
export interface DeviceDrawRequest {
  readonly numTokens: number
  readonly numExperts: number
  readonly topK: number
  readonly layer: number
  /** Structure a first host call would draw (a per-layer layout) is drawn from it, so host and device agree on it. */
  readonly prng?: Prng | undefined
}

/** How a logical id picks a physical replica on the device (the policies of `mapToPhysical`). */
export type DeviceReplicaPolicy = 'modulo' | 'random' | 'rank_local'

/** One layer's deployed expert map, as the device step uses it (an `ExpertMap` of `@routesim/analysis` fits). */
export interface DeviceLayerMap {
  readonly numPhysical: number
  readonly maxReplicas: number
  /** `[numLogical, maxReplicas]`, −1 padded. */
  readonly logicalToPhysical: Int32Array
  /** `[numLogical]`. */
  readonly replicaCount: Int32Array
  /** `[numPhysical]`. */
  readonly slotRank: Int32Array
}

export interface DeviceStepOptions {
  /** Tokens per layer (T). */
  readonly rows: number
  readonly numExperts: number
  readonly k: number
  /** One draw per layer (the run's L layers). */
  readonly draws: readonly DeviceDraw[]
  /** Physical slots per layer (E + redundant experts); every map set later has this many. */
  readonly numPhysical: number
  readonly numRanks: number
  /** Nodes the ranks split over contiguously; divides `numRanks`. */
  readonly numNodes: number
  readonly policy: DeviceReplicaPolicy
  /** Seeds the device's own streams (draws and the `random` replica choice), per step. */
  readonly seed: number
}

/**
 * One step's per-layer statistics, computed on the device from ids that never leave it: the logical
 * counts and the dispatch statistics of `dispatchStats` on the physical ids `mapToPhysical` would give.
 */
export interface DeviceStepStats {
  /** `[L, E]` logical expert counts. */
  readonly counts: Int32Array
  /** `[L, R]` top-k slots served by each rank. */
  readonly rankSlotLoads: Int32Array
  /** `[L, R, R]`: tokens whose home is src sent to dst (once per destination rank). */
  readonly traffic: Int32Array
  /** `[L]` each. */
  readonly copiesLeavingRank: Int32Array
  readonly copiesLeavingNode: Int32Array
  readonly tokensLeavingRank: Int32Array
  readonly tokensLeavingNode: Int32Array
  /** `[L]` tokens whose k ids repeat an expert. */
  readonly duplicateTokens: Int32Array
  /** `[L, T, k]` logical ids, only when the step was asked to read them back (tests). */
  readonly ids?: Int32Array
  /** `[L, T, k]` physical slots chosen, only when asked (tests). */
  readonly physicalIds?: Int32Array
}

/** A scenario's routing step held on a device: maps are uploaded when they change, and each step reads back statistics only. */
export interface DeviceStep {
  /** Deploys a layer's map (and, for `rank_local`, its `[R, E]` dispatch table); used from the next `run`. */
  setMap(layer: number, map: DeviceLayerMap, dispatchTable?: Int32Array): void
  /** Draws every layer's ids for `step` and measures them; same seed and step ⇒ same statistics. */
  run(step: number, options?: { readonly readIds?: boolean }): Promise<DeviceStepStats>
  /** Where the last run drew: 'device', or 'host' when a rejection row failed all its attempts and the ids were redrawn there. */
  readonly lastDraw: 'device' | 'host' | undefined
  dispose(): void
}
