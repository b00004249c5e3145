import { InvalidArgumentError, assertNonNegativeInteger, assertOneOf, assertPositiveInteger, type Prng } from '@routesim/core'
import { assertIdsShape, invalidId, asNumberIds, type ExpertIds } from './expert-ids.ts'

/**
 * Which slots an over-full expert keeps:
 * - `position`: earliest tokens first (Megatron `drop_policy="position"`, DeepSpeed top-1 without RTS and
 *   `topkgating(drop_policy="position")`, whose cumsum runs over the token-major mask).
 * - `probs`: highest weight first (Megatron `drop_policy="probs"`, Capacity-Aware Token Drop, DeepSpeed
 *   `topkgating` default — which ranks by the selected *logits*, so pass those as `weights` to match it);
 *   equal weights keep the earlier slot.
 * - `choice_major`: every token's first choice before any second choice, then by token (DeepSpeed
 *   `top2gating`, where second-choice locations start after all first choices; Tutel `locations_s`).
 * - `batch_prioritized`: Tutel `batch_prioritized_routing`: tokens by their highest weight (desc, stable),
 *   then choice-major.
 * - `random`: uniformly random priority (DeepSpeed top-1 Random Token Selection, `use_rts`), via core PRNG.
 */
export type DropPolicy = 'position' | 'probs' | 'choice_major' | 'batch_prioritized' | 'random'
export const DROP_POLICIES: readonly DropPolicy[] = ['position', 'probs', 'choice_major', 'batch_prioritized', 'random']

export interface ApplyCapacityOptions {
  /** `[T, k]` routing weights; required for `probs` and `batch_prioritized`. */
  readonly weights?: ArrayLike<number>
  /** Required for `random`. */
  readonly prng?: Prng
  /** Reused keep mask buffer of length T·k. */
  readonly out?: Uint8Array
}

export interface CapacityOutcome {
  /** `[T, k]`: 1 where the slot is processed, 0 where it is dropped. */
  readonly keep: Uint8Array
  /** `[E]`: dropped slots per expert. */
  readonly droppedPerExpert: Int32Array
  readonly droppedSlots: number
  /** Tokens that lost at least one of their k slots. */
  readonly tokensPartiallyDropped: number
  /** Tokens that lost all k slots (their MoE output is only the residual/shared path). */
  readonly tokensFullyDropped: number
}

/**
 * Applies a per-expert capacity to routed ids `[T, k]` and reports which slots and tokens are dropped.
 * O(T·k) for `position`/`choice_major`/`random`; `probs` sorts only the slots of over-full experts;
 * `batch_prioritized` sorts the T tokens once.
 *
 * @example
 * applyCapacity([0, 1, 0, 1, 0, 2], 2, 3, 2, 'position').tokensPartiallyDropped // 1 (token 2 loses expert 0)
 */
export function applyCapacity(
  ids: ExpertIds,
  topK: number,
  numExperts: number,
  capacity: number,
  policy: DropPolicy,
  options: ApplyCapacityOptions = {},
): CapacityOutcome {
  const numTokens = assertIdsShape(ids, topK)
  const E = assertPositiveInteger('numExperts', numExperts)
  const cap = assertNonNegativeInteger('capacity', capacity)
  assertOneOf('policy', policy, DROP_POLICIES)
  const n = ids.length
  const { weights, prng } = options
  if ((policy === 'probs' || policy === 'batch_prioritized') && (weights === undefined || weights.length !== n)) {
    throw new InvalidArgumentError({ parameter: 'weights', value: weights, allowed: `routing weights of length T·k = ${n} for policy '${policy}'` })
  }
  if (weights !== undefined && (policy === 'probs' || policy === 'batch_prioritized')) {
    for (let i = 0; i < n; i++) {
      const w = weights[i]!
      if (!(typeof w === 'number' && w - w === 0)) throw new InvalidArgumentError({ parameter: `weights[${i}]`, value: w, allowed: 'a finite number' })
    }
  }
  if (policy === 'random' && !prng) {
    throw new InvalidArgumentError({ parameter: 'prng', value: prng, allowed: "a core Prng for policy 'random'" })
  }
  const keep = options.out ?? new Uint8Array(n)
  if (keep.length !== n) throw new InvalidArgumentError({ parameter: 'out.length', value: keep.length, allowed: `${n} (= ids.length)` })
  const view = asNumberIds(ids)
  const counts = new Int32Array(E)
  for (let i = 0; i < n; i++) {
    const e = view[i]!
    if (!(e >>> 0 === e && e < E)) throw invalidId('ids', i, e, E)
    counts[e]!++
  }
  const droppedPerExpert = new Int32Array(E)
  let droppedSlots = 0
  if (policy === 'probs' || policy === 'random') {
    // Only over-full experts need an order: bucket slots by expert (flat order inside a bucket), then rank
    // each over-full bucket alone — by weight, or by a uniform shuffle, which is RTS's random priority.
    const start = new Int32Array(E + 1)
    for (let e = 0; e < E; e++) start[e + 1] = start[e]! + counts[e]!
    const next = start.slice(0, E)
    const bucket = new Int32Array(n)
    for (let i = 0; i < n; i++) bucket[next[view[i]!]!++] = i
    keep.fill(1)
    for (let e = 0; e < E; e++) {
      const c = counts[e]!
      if (c <= cap) continue
      const segment = bucket.subarray(start[e]!, start[e + 1]!)
      if (policy === 'probs') segment.sort((x, y) => weights![y]! - weights![x]! || x - y)
      else {
        for (let i = c - 1; i > 0; i--) {
          const j = prng!.nextInt(i + 1)
          const tmp = segment[i]!
          segment[i] = segment[j]!
          segment[j] = tmp
        }
      }
      for (let r = cap; r < c; r++) keep[segment[r]!] = 0
      droppedPerExpert[e] = c - cap
      droppedSlots += c - cap
    }
  } else {
    const order = slotOrder(policy, numTokens, topK, weights)
    const fill = new Int32Array(E)
    for (let o = 0; o < n; o++) {
      const i = order ? order[o]! : o
      const e = view[i]!
      if (fill[e]! < cap) {
        fill[e]!++
        keep[i] = 1
      } else {
        keep[i] = 0
        droppedPerExpert[e]!++
        droppedSlots++
      }
    }
  }
  let partially = 0
  let fully = 0
  for (let t = 0; t < numTokens; t++) {
    let lost = 0
    for (let j = 0; j < topK; j++) lost += 1 - keep[t * topK + j]!
    if (lost > 0) partially++
    if (lost === topK) fully++
  }
  return { keep, droppedPerExpert, droppedSlots, tokensPartiallyDropped: partially, tokensFullyDropped: fully }
}

/** The priority order of flat slot indices for the order-based policies (null = identity, i.e. `position`). */
function slotOrder(
  policy: 'position' | 'choice_major' | 'batch_prioritized',
  numTokens: number,
  topK: number,
  weights: ArrayLike<number> | undefined,
): Int32Array | null {
  const n = numTokens * topK
  switch (policy) {
    case 'position':
      return null
    case 'choice_major': {
      const order = new Int32Array(n)
      for (let j = 0, o = 0; j < topK; j++) for (let t = 0; t < numTokens; t++) order[o++] = t * topK + j
      return order
    }
    case 'batch_prioritized': {
      const importance = new Float64Array(numTokens)
      for (let t = 0; t < numTokens; t++) {
        let m = -Infinity
        for (let j = 0; j < topK; j++) if (weights![t * topK + j]! > m) m = weights![t * topK + j]!
        importance[t] = m
      }
      const tokens = Int32Array.from({ length: numTokens }, (_, t) => t).sort((a, b) => importance[b]! - importance[a]! || a - b)
      const order = new Int32Array(n)
      for (let j = 0, o = 0; j < topK; j++) for (let r = 0; r < numTokens; r++) order[o++] = tokens[r]! * topK + j
      return order
    }
  }
}
