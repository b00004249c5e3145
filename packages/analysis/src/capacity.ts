import { InvalidArgumentError, assertFiniteNumber, assertNonNegativeInteger, assertPositiveInteger } from '@routesim/core'
import { assertLoads, maxOf, type Loads } from './loads.ts'

// Expert capacity formulas as each framework defines them. Each returns an integer slot count per expert.

const f32 = Math.fround

interface BaseCapacityOptions {
  /** Tokens in the batch (T). */
  readonly numTokens: number
  /** Routed experts (E). */
  readonly numExperts: number
  /** Experts per token (k). */
  readonly topK: number
}

function checkBase(options: BaseCapacityOptions): { T: number; E: number; k: number } {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: '{ numTokens, numExperts, topK, … }' })
  }
  return {
    T: assertNonNegativeInteger('numTokens', options.numTokens),
    E: assertPositiveInteger('numExperts', options.numExperts),
    k: assertPositiveInteger('topK', options.topK),
  }
}

function checkFactor(parameter: string, value: unknown): number {
  return assertFiniteNumber(parameter, value, { min: 0, exclusiveMin: true })
}

/**
 * Megatron-Core: `capacity = ceil((T·k / E) · capacity_factor)`, raised to `minCapacity` if given
 * (`moe_utils.get_capacity(num_tokens=T·k, …)`, NVIDIA/Megatron-LM @d98e8a64, anchors §b.11).
 *
 * @example
 * megatronCapacity({ numTokens: 4096, numExperts: 64, topK: 8, capacityFactor: 1.25 }) // 640
 */
export function megatronCapacity(options: BaseCapacityOptions & { readonly capacityFactor: number; readonly minCapacity?: number }): number {
  const { T, E, k } = checkBase(options)
  const cf = checkFactor('capacityFactor', options.capacityFactor)
  const capacity = Math.ceil(((T * k) / E) * cf)
  return options.minCapacity === undefined ? capacity : Math.max(capacity, assertNonNegativeInteger('minCapacity', options.minCapacity))
}

/**
 * DeepSpeed-MoE (`deepspeed/moe/sharded_moe.py` `_capacity`): `ceil((T / E) · cf')` with cf' = cf (top-1),
 * 2·cf (top-2), k·cf (top-k), floored at `minCapacity` (DeepSpeed's `MoE` default 4). The product is taken in
 * float32 as DeepSpeed's tensor math does. With `dropTokens: false` the capacity is the largest expert count
 * (DeepSpeed all-reduces MAX over the EP group; here every token is visible), rounded up to `padToMultiple`
 * (the TP size in DeepSpeed).
 *
 * @example
 * deepspeedCapacity({ numTokens: 1000, numExperts: 64, topK: 2, capacityFactor: 1 }) // 32
 */
export function deepspeedCapacity(
  options: BaseCapacityOptions & {
    readonly capacityFactor: number
    readonly minCapacity?: number
    readonly dropTokens?: boolean
    /** Per-expert counts; required when `dropTokens` is false. */
    readonly counts?: Loads
    readonly padToMultiple?: number
  },
): number {
  const { T, E, k } = checkBase(options)
  const cf = checkFactor('capacityFactor', options.capacityFactor)
  const minCapacity = assertNonNegativeInteger('minCapacity', options.minCapacity ?? 4)
  if (options.dropTokens === false) {
    if (options.counts === undefined) {
      throw new InvalidArgumentError({ parameter: 'counts', value: undefined, allowed: 'per-expert counts when dropTokens is false' })
    }
    const max = maxOf(assertLoads('counts', options.counts))
    const multiple = assertPositiveInteger('padToMultiple', options.padToMultiple ?? 1)
    return Math.ceil(max / multiple) * multiple
  }
  return Math.max(Math.ceil(f32(f32(T / E) * f32(cf * k))), minCapacity)
}

/**
 * Tutel (`tutel/impls/fast_dispatch.py` `extract_critical`, @82af7aad): with spe = ceil(T / E),
 * `cf > 0` → fixed `k · floor(cf · spe)`; `cf = 0` → dynamic: the largest expert count (max location + 1,
 * all-reduced MAX); `cf < 0` → capped dynamic `min(dynamic, k · floor(−cf · spe))`. Then rounded up to a
 * multiple of `alignment`. Negative factors are meaningful here (the cap), unlike Megatron/DeepSpeed.
 *
 * @example
 * tutelCapacity({ numTokens: 1000, numExperts: 64, topK: 2, capacityFactor: 1.5 }) // 2 · floor(1.5 · 16) = 48
 */
export function tutelCapacity(
  options: BaseCapacityOptions & {
    readonly capacityFactor: number
    /** Per-expert counts; required for dynamic (cf ≤ 0) capacity. */
    readonly counts?: Loads
    readonly alignment?: number
  },
): number {
  const { T, E, k } = checkBase(options)
  const cf = assertFiniteNumber('capacityFactor', options.capacityFactor)
  const alignment = assertPositiveInteger('alignment', options.alignment ?? 1)
  const spe = Math.ceil(T / E)
  let capacity: number
  if (cf > 0) capacity = k * Math.floor(cf * spe)
  else {
    if (options.counts === undefined) {
      throw new InvalidArgumentError({ parameter: 'counts', value: undefined, allowed: 'per-expert counts for dynamic capacity (capacityFactor ≤ 0)' })
    }
    capacity = maxOf(assertLoads('counts', options.counts))
    if (cf < 0) capacity = Math.min(capacity, k * Math.floor(-cf * spe))
  }
  const remainder = capacity % alignment
  return remainder > 0 ? capacity + alignment - remainder : capacity
}

/**
 * Capacity-Aware Inference (He et al., arXiv 2503.05066, ICLR 2026): C = γ · T·k / E. The paper leaves C
 * real-valued; an expert keeps n tokens iff n ≤ C, so the integer bound returned is floor(C).
 *
 * @example
 * capacityAwareCapacity({ numTokens: 100, numExperts: 8, topK: 2, gamma: 1.5 }) // floor(37.5) = 37
 */
export function capacityAwareCapacity(options: BaseCapacityOptions & { readonly gamma: number }): number {
  const { T, E, k } = checkBase(options)
  const gamma = checkFactor('gamma', options.gamma)
  return Math.floor((gamma * T * k) / E)
}

/** Per-expert outcome of a capacity limit, from counts alone. */
export interface CapacityDrops {
  readonly capacity: number
  /** `[E]`: slots each expert keeps (min(count, capacity)). */
  readonly kept: Int32Array
  /** `[E]`: slots each expert drops (max(0, count − capacity)). */
  readonly dropped: Int32Array
  readonly totalSlots: number
  readonly droppedSlots: number
  /** droppedSlots / totalSlots (0 with no slots). */
  readonly dropRate: number
  /** Empty slots computed when every expert is padded to exactly `capacity` (Megatron `pad_to_capacity`). */
  readonly paddingSlots: number
}

/**
 * Slots kept and dropped per expert when each can take `capacity` slots. Exact for every drop policy: the
 * policy only decides *which* slots go, never how many (see {@link applyCapacity} for which).
 *
 * @example
 * capacityDrops([5, 1, 0, 2], 2) // kept [2, 1, 0, 2], dropped [3, 0, 0, 0], dropRate 0.375, paddingSlots 3
 */
export function capacityDrops(counts: Loads, capacity: number): CapacityDrops {
  assertLoads('counts', counts)
  const cap = assertNonNegativeInteger('capacity', capacity)
  const E = counts.length
  const kept = new Int32Array(E)
  const dropped = new Int32Array(E)
  let total = 0
  let droppedSlots = 0
  let padding = 0
  for (let e = 0; e < E; e++) {
    const c = counts[e]!
    if (!Number.isInteger(c)) throw new InvalidArgumentError({ parameter: `counts[${e}]`, value: c, allowed: 'an integer slot count' })
    const keep = c < cap ? c : cap
    kept[e] = keep
    dropped[e] = c - keep
    total += c
    droppedSlots += c - keep
    padding += cap - keep
  }
  return { capacity: cap, kept, dropped, totalSlots: total, droppedSlots, dropRate: total === 0 ? 0 : droppedSlots / total, paddingSlots: padding }
}

/**
 * Megatron's `pad_routing_map` (FP8 grouped GEMMs need per-expert token counts that are multiples of 16 or
 * 32): each expert's count rounded up to `multiple`. Returns the padded counts and the padding slots added.
 *
 * @example
 * padCountsToMultiple([5, 16, 0], 16) // { padded: [16, 16, 0], paddingSlots: 11 }
 */
export function padCountsToMultiple(counts: Loads, multiple: number): { readonly padded: Int32Array; readonly paddingSlots: number } {
  assertLoads('counts', counts)
  const m = assertPositiveInteger('multiple', multiple)
  const padded = new Int32Array(counts.length)
  let padding = 0
  for (let e = 0; e < counts.length; e++) {
    const c = counts[e]!
    if (!Number.isInteger(c)) throw new InvalidArgumentError({ parameter: `counts[${e}]`, value: c, allowed: 'an integer slot count' })
    padded[e] = Math.ceil(c / m) * m
    padding += padded[e]! - c
  }
  return { padded, paddingSlots: padding }
}
