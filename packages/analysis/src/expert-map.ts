import { InvalidArgumentError, assertOneOf, assertPositiveInteger, checkLimit, type Prng } from '@routesim/core'
import { assertIdsShape, invalidId, asNumberIds, type ExpertIds } from './expert-ids.ts'
import { assertEpSize, slotRanks, type Placement } from './placement.ts'

/** One layer's logical ↔ physical expert map, with the EP rank of every physical slot. */
export interface ExpertMap {
  readonly numLogical: number
  readonly numPhysical: number
  readonly numRanks: number
  /** Most replicas any logical expert has. */
  readonly maxReplicas: number
  /** `[numPhysical]`: logical expert in each physical slot. */
  readonly physicalToLogical: Int32Array
  /** `[numLogical, maxReplicas]` row-major: physical slots of each logical expert, −1 padded. */
  readonly logicalToPhysical: Int32Array
  /** `[numLogical]`: replicas per logical expert (≥ 1). */
  readonly replicaCount: Int32Array
  /** `[numPhysical]`: EP rank that holds each slot. */
  readonly slotRank: Int32Array
}

export interface ExpertMapOptions {
  readonly numLogical: number
  /** EP ranks; must divide the number of physical slots. */
  readonly epSize: number
  /** Slot → rank layout; EPLB output is `linear` (GPU g holds the g-th block of slots). Default `linear`. */
  readonly placement?: Placement
  /**
   * Replica order inside `logicalToPhysical` (vLLM/DeepSeek order replicas by replica rank). Default: by
   * ascending physical slot, as SGLang's `_compute_logical_to_all_physical_map` does.
   */
  readonly replicaRank?: ArrayLike<number>
}

/**
 * vLLM's initial physical → logical map without EPLB history (`eplb_state.py`): slots 0..E−1 hold experts
 * 0..E−1 and redundant slot E+i holds expert i mod E.
 *
 * @example
 * initialPhysicalToLogical(4, 6) // Int32Array [0, 1, 2, 3, 0, 1]
 */
export function initialPhysicalToLogical(numLogical: number, numPhysical: number): Int32Array {
  // Limited before the Int32Array(numPhysical) is built (2^31 slots took 75 s and 8 GB).
  const logical = checkLimit('numLogical', numLogical, 'maxExperts', 1)
  const physical = checkLimit('numPhysical', numPhysical, 'maxReplicas', 1)
  if (physical < logical) {
    throw new InvalidArgumentError({ parameter: 'numPhysical', value: physical, allowed: `an integer ≥ numLogical (${logical})` })
  }
  const out = new Int32Array(physical)
  for (let p = 0; p < physical; p++) out[p] = p % logical
  return out
}

/**
 * Builds the map of one layer from its physical → logical row. Every logical expert must have at least
 * one replica (an expert with zero replicas could not serve its tokens).
 *
 * @example
 * const map = createExpertMap([0, 1, 2, 3, 0, 1], { numLogical: 4, epSize: 2 })
 * map.replicaCount // [2, 2, 1, 1]; map.slotRank // [0, 0, 0, 1, 1, 1]
 */
export function createExpertMap(physicalToLogical: ArrayLike<number>, options: ExpertMapOptions): ExpertMap {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: '{ numLogical, epSize, placement?, replicaRank? }' })
  }
  const numLogical = assertPositiveInteger('numLogical', options.numLogical)
  const numPhysical = physicalToLogical?.length ?? 0
  if (numPhysical < numLogical) {
    throw new InvalidArgumentError({
      parameter: 'physicalToLogical.length',
      value: numPhysical,
      allowed: `at least numLogical (${numLogical}) slots, one per logical expert`,
    })
  }
  const numRanks = assertEpSize(numPhysical, options.epSize)
  const placement = assertOneOf('placement', options.placement ?? 'linear', ['linear', 'round_robin'] as const)
  const replicaCount = new Int32Array(numLogical)
  const phy2log = new Int32Array(numPhysical)
  for (let p = 0; p < numPhysical; p++) {
    const e = physicalToLogical[p]!
    if (!(Number.isInteger(e) && e >= 0 && e < numLogical)) throw invalidId('physicalToLogical', p, e, numLogical)
    phy2log[p] = e
    replicaCount[e]!++
  }
  let maxReplicas = 0
  for (let e = 0; e < numLogical; e++) {
    if (replicaCount[e] === 0) {
      throw new InvalidArgumentError({
        parameter: `replicas of logical expert ${e}`,
        value: 0,
        allowed: 'at least 1: every logical expert needs a physical slot',
      })
    }
    if (replicaCount[e]! > maxReplicas) maxReplicas = replicaCount[e]!
  }
  const logicalToPhysical = new Int32Array(numLogical * maxReplicas).fill(-1)
  const rank = options.replicaRank
  if (rank !== undefined) {
    if (rank.length !== numPhysical) {
      throw new InvalidArgumentError({ parameter: 'replicaRank.length', value: rank.length, allowed: `${numPhysical} (one per slot)` })
    }
    for (let p = 0; p < numPhysical; p++) {
      const e = phy2log[p]!
      const r = rank[p]!
      const at = e * maxReplicas + r
      if (!(Number.isInteger(r) && r >= 0 && r < replicaCount[e]!) || logicalToPhysical[at] !== -1) {
        throw new InvalidArgumentError({
          parameter: `replicaRank[${p}]`,
          value: r,
          allowed: `a distinct replica rank in [0, ${replicaCount[e]! - 1}] for logical expert ${e}`,
        })
      }
      logicalToPhysical[at] = p
    }
  } else {
    const filled = new Int32Array(numLogical)
    for (let p = 0; p < numPhysical; p++) {
      const e = phy2log[p]!
      logicalToPhysical[e * maxReplicas + filled[e]!++] = p
    }
  }
  return {
    numLogical,
    numPhysical,
    numRanks,
    maxReplicas,
    physicalToLogical: phy2log,
    logicalToPhysical,
    replicaCount,
    slotRank: slotRanks(numPhysical, numRanks, placement),
  }
}

/**
 * The home rank of token t when T tokens are split contiguously over R ranks, as DP attention / EP
 * dispatch does (`torch.tensor_split` sizes): the first T mod R ranks get ⌈T/R⌉ tokens, the rest ⌊T/R⌋.
 * Tokens that leave this rank for their experts are all-to-all traffic.
 *
 * @example
 * tokenHomeRank(4, 10, 4) // 1   (ranks hold tokens 0–2, 3–5, 6–7, 8–9)
 */
export function tokenHomeRank(token: number, numTokens: number, numRanks: number): number {
  const base = Math.floor(numTokens / numRanks)
  const extra = numTokens - base * numRanks
  const split = extra * (base + 1)
  return token < split ? Math.floor(token / (base + 1)) : extra + Math.floor((token - split) / base)
}

/**
 * How a logical id picks one of its replicas:
 * - `modulo`: replica = flat slot position mod replicas (vLLM's current kernel, `base_router.py`).
 * - `random`: replica drawn uniformly with the core PRNG (vLLM's older `floor(rand·count)`, SGLang `dynamic`).
 * - `rank_local`: a per-rank table (SGLang `static`, `compute_logical_to_rank_dispatch_physical_map`):
 *   a replica on the token's home rank if there is one, else a fair spread of the other ranks over all replicas.
 */
export type ReplicaPolicy = 'modulo' | 'random' | 'rank_local'
export const REPLICA_POLICIES: readonly ReplicaPolicy[] = ['modulo', 'random', 'rank_local']

/**
 * SGLang's static dispatch table, `[numRanks, numLogical]` row-major: for each (rank, logical expert), the
 * physical slot that rank sends to. A replica on the rank itself wins (lowest slot); ranks without one are
 * spread over all replicas fairly (each replica gets ⌊n/c⌋ or ⌈n/c⌉ of them), shuffled by `prng` when given
 * (SGLang uses Python's `random.Random(42)`), else assigned in rank order.
 */
/** `map` must be one from `createExpertMap` (a plain object would fail deep inside). */
export function assertExpertMap(parameter: string, map: unknown): ExpertMap {
  const m = map as Partial<ExpertMap> | null
  if (typeof m !== 'object' || m === null || !Number.isInteger(m.numRanks) || !Number.isInteger(m.numLogical) || !(m.slotRank instanceof Int32Array)) {
    throw new InvalidArgumentError({ parameter, value: map, allowed: 'an ExpertMap from createExpertMap' })
  }
  return map as ExpertMap
}

export function createRankDispatchTable(map: ExpertMap, prng?: Prng): Int32Array {
  assertExpertMap('map', map)
  const { numRanks, numLogical, maxReplicas, logicalToPhysical, replicaCount, slotRank } = map
  const table = new Int32Array(numRanks * numLogical).fill(-1)
  const pending = new Int32Array(numRanks)
  const choices = new Int32Array(numRanks)
  for (let e = 0; e < numLogical; e++) {
    const count = replicaCount[e]!
    const base = e * maxReplicas
    for (let i = count - 1; i >= 0; i--) {
      const p = logicalToPhysical[base + i]!
      const r = slotRank[p]!
      const current = table[r * numLogical + e]!
      if (current === -1 || p < current) table[r * numLogical + e] = p
    }
    let remaining = 0
    for (let r = 0; r < numRanks; r++) if (table[r * numLogical + e] === -1) pending[remaining++] = r
    if (remaining === 0) continue
    // Fair choices: every replica ⌊n/c⌋ times, then n mod c distinct replicas once more.
    let n = 0
    for (let q = 0; q < Math.floor(remaining / count); q++) for (let i = 0; i < count; i++) choices[n++] = logicalToPhysical[base + i]!
    const extra = remaining - n
    if (prng) {
      // Partial Fisher–Yates over replica indices picks `extra` distinct ones, then the whole list is shuffled.
      const idx = Array.from({ length: count }, (_, i) => i)
      for (let i = 0; i < extra; i++) {
        const j = i + prng.nextInt(count - i)
        ;[idx[i], idx[j]] = [idx[j]!, idx[i]!]
        choices[n++] = logicalToPhysical[base + idx[i]!]!
      }
      for (let i = n - 1; i > 0; i--) {
        const j = prng.nextInt(i + 1)
        const t = choices[i]!
        choices[i] = choices[j]!
        choices[j] = t
      }
    } else {
      for (let i = 0; i < extra; i++) choices[n++] = logicalToPhysical[base + i]!
    }
    for (let i = 0; i < remaining; i++) table[pending[i]! * numLogical + e] = choices[i]!
  }
  return table
}

export interface MapToPhysicalOptions {
  /** Required for `random`; optional shuffle source when `rank_local` builds its own table. */
  readonly prng?: Prng
  /** A precomputed {@link createRankDispatchTable} for `rank_local` (build it once per map). */
  readonly dispatchTable?: Int32Array
  /** Output buffer of length ids.length, reused across steps to avoid allocation. */
  readonly out?: Int32Array
}

/**
 * Maps logical expert ids `[T, k]` to physical slots with a replica choice policy. Logical ids must be valid.
 *
 * @example
 * const map = createExpertMap([0, 1, 0, 1], { numLogical: 2, epSize: 2 })
 * mapToPhysical([0, 0, 0, 1], 2, map, 'modulo') // Int32Array [0, 2, 0, 3]
 */
export function mapToPhysical(ids: ExpertIds, topK: number, map: ExpertMap, policy: ReplicaPolicy, options: MapToPhysicalOptions = {}): Int32Array {
  const numTokens = assertIdsShape(ids, topK)
  assertOneOf('policy', policy, REPLICA_POLICIES)
  if (!(map?.logicalToPhysical instanceof Int32Array && map.replicaCount instanceof Int32Array)) {
    throw new InvalidArgumentError({ parameter: 'map', value: map, allowed: 'an ExpertMap from createExpertMap' })
  }
  const { numLogical, maxReplicas, logicalToPhysical, replicaCount } = map
  const out = options.out ?? new Int32Array(ids.length)
  if (out.length !== ids.length) {
    throw new InvalidArgumentError({ parameter: 'out.length', value: out.length, allowed: `${ids.length} (= ids.length)` })
  }
  const prng = options.prng
  if (policy === 'random' && !prng) {
    throw new InvalidArgumentError({ parameter: 'prng', value: prng, allowed: "a core Prng for policy 'random'" })
  }
  let table: Int32Array | undefined
  if (policy === 'rank_local') {
    table = options.dispatchTable ?? createRankDispatchTable(map, prng)
    if (table.length !== map.numRanks * numLogical) {
      throw new InvalidArgumentError({
        parameter: 'dispatchTable.length',
        value: table.length,
        allowed: `${map.numRanks * numLogical} (= numRanks × numLogical)`,
      })
    }
  }
  const view = asNumberIds(ids)
  const n = view.length
  // One specialised loop per policy keeps the per-slot path branch-free. `e >>> 0 === e` accepts exactly the
  // integers in [0, 2^32), cheaper than Number.isInteger on this path.
  if (policy === 'modulo') {
    for (let i = 0; i < n; i++) {
      const e = view[i]!
      if (!(e >>> 0 === e && e < numLogical)) throw invalidId('ids', i, e, numLogical)
      const count = replicaCount[e]!
      out[i] = logicalToPhysical[e * maxReplicas + (count === 1 ? 0 : i % count)]!
    }
  } else if (policy === 'random') {
    for (let i = 0; i < n; i++) {
      const e = view[i]!
      if (!(e >>> 0 === e && e < numLogical)) throw invalidId('ids', i, e, numLogical)
      const count = replicaCount[e]!
      out[i] = logicalToPhysical[e * maxReplicas + (count === 1 ? 0 : prng!.nextInt(count))]!
    }
  } else {
    const base = Math.floor(numTokens / map.numRanks)
    const extra = numTokens - base * map.numRanks
    let home = 0
    let nextBoundary = extra > 0 ? base + 1 : base
    for (let t = 0, i = 0; t < numTokens; t++) {
      // Advance the contiguous home rank incrementally (same split as tokenHomeRank).
      while (t >= nextBoundary) {
        home++
        nextBoundary += home < extra ? base + 1 : base
      }
      const row = home * numLogical
      for (let j = 0; j < topK; j++, i++) {
        const e = view[i]!
        if (!(e >>> 0 === e && e < numLogical)) throw invalidId('ids', i, e, numLogical)
        out[i] = table![row + e]!
      }
    }
  }
  return out
}
