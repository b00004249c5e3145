import { InvalidArgumentError, assertPositiveInteger } from '@routesim/core'
import { assertIdsShape, invalidId, asNumberIds, type ExpertIds } from './expert-ids.ts'

/** Where slots live: the EP rank of every physical slot (an {@link ExpertMap} or `{ slotRank, numRanks }`). */
export interface SlotLayout {
  readonly slotRank: Int32Array
  readonly numRanks: number
}

/**
 * Loads and all-to-all traffic of one layer's dispatch. Tokens start on their home rank (contiguous split,
 * see `tokenHomeRank`) and are sent once to every rank that holds one of their experts, as DeepEP-style
 * dispatch deduplicates per destination rank; a token whose experts are all local never leaves.
 */
export interface DispatchStats {
  readonly numTokens: number
  readonly numRanks: number
  readonly numNodes: number
  /** `[R]`: top-k slots served by each rank (the EPLB load). */
  readonly rankSlotLoads: Float64Array
  /** `[R]`: distinct tokens that reach each rank. */
  readonly rankTokenLoads: Float64Array
  /** `[N]`: top-k slots served by each node. */
  readonly nodeSlotLoads: Float64Array
  /** `[N]`: distinct tokens that reach each node. */
  readonly nodeTokenLoads: Float64Array
  /** `[R, R]` row-major: `traffic[src·R + dst]` = tokens whose home is src that are sent to dst (diagonal = stays local). */
  readonly traffic: Float64Array
  /** Token copies sent to a rank other than their home (Σ off-diagonal traffic). */
  readonly copiesLeavingRank: number
  /** Token copies sent to a rank on another node. */
  readonly copiesLeavingNode: number
  /** Tokens with at least one destination rank other than home. */
  readonly tokensLeavingRank: number
  /** Tokens with at least one destination on another node. */
  readonly tokensLeavingNode: number
}

/**
 * Per-rank/per-node slot and token loads and the rank×rank all-to-all matrix of physical ids `[T, k]`.
 * Ranks are split contiguously over `numNodes` nodes.
 *
 * @example
 * // 2 tokens, k = 2, 4 slots on 2 ranks (linear): token 0 (home 0) → slots 0, 3; token 1 (home 1) → 2, 3.
 * const s = dispatchStats([0, 3, 2, 3], 2, { slotRank: new Int32Array([0, 0, 1, 1]), numRanks: 2 })
 * s.traffic // [1, 1, 0, 1]; s.copiesLeavingRank // 1; s.rankTokenLoads // [1, 2]
 */
export function dispatchStats(physicalIds: ExpertIds, topK: number, layout: SlotLayout, options: { numNodes?: number } = {}): DispatchStats {
  const numTokens = assertIdsShape(physicalIds, topK)
  if (!(layout?.slotRank instanceof Int32Array)) {
    throw new InvalidArgumentError({
      parameter: 'layout.slotRank',
      value: layout?.slotRank,
      allowed: 'an Int32Array of the rank of every slot (an ExpertMap or slotRanks(...))',
    })
  }
  const numRanks = assertPositiveInteger('numRanks', layout.numRanks)
  const numNodes = assertPositiveInteger('numNodes', options.numNodes ?? 1)
  if (numRanks % numNodes !== 0) {
    throw new InvalidArgumentError({ parameter: 'numNodes', value: numNodes, allowed: `a divisor of numRanks (${numRanks})` })
  }
  const { slotRank } = layout
  const view = asNumberIds(physicalIds)
  for (let p = 0; p < slotRank.length; p++) {
    const r = slotRank[p]!
    // A rank outside [0, R) would be written past the typed arrays and silently lost.
    if (!(r >>> 0 === r && r < numRanks)) {
      throw new InvalidArgumentError({ parameter: `slotRank[${p}]`, value: r, allowed: `an integer rank in [0, ${numRanks - 1}]` })
    }
  }
  const numSlots = slotRank.length
  const ranksPerNode = numRanks / numNodes
  const numIds = view.length
  // Validate first so the counting loop below stays small and branch-light.
  for (let i = 0; i < numIds; i++) {
    const p = view[i]!
    if (!(p >>> 0 === p && p < numSlots)) throw invalidId('physicalIds', i, p, numSlots)
  }
  const rankNode = new Int32Array(numRanks)
  for (let r = 0; r < numRanks; r++) rankNode[r] = Math.floor(r / ranksPerNode)
  const rankSlots = new Int32Array(numRanks)
  const nodeTokens = new Int32Array(numNodes)
  // traffic[src·R + dst] counts each token once per destination rank; rank token loads, copies leaving a
  // rank or node are all sums over it, taken after the loop.
  const trafficCounts = new Int32Array(numRanks * numRanks)
  // Stamps (token index + 1) dedupe destinations per token without clearing arrays between tokens.
  const rankStamp = new Int32Array(numRanks)
  const nodeStamp = new Int32Array(numNodes)
  let tokensLeavingRank = 0
  let tokensLeavingNode = 0
  const base = Math.floor(numTokens / numRanks)
  const extra = numTokens - base * numRanks
  let home = 0
  let nextBoundary = extra > 0 ? base + 1 : base
  for (let t = 0, i = 0; t < numTokens; t++) {
    while (t >= nextBoundary) {
      home++
      nextBoundary += home < extra ? base + 1 : base
    }
    const homeRow = home * numRanks
    const homeNode = rankNode[home]!
    const stamp = t + 1
    let remoteRanks = 0
    let remoteNodes = 0
    for (let j = 0; j < topK; j++, i++) {
      const r = slotRank[view[i]!]!
      rankSlots[r]!++
      if (rankStamp[r] !== stamp) {
        rankStamp[r] = stamp
        trafficCounts[homeRow + r]!++
        remoteRanks += +(r !== home)
        const node = rankNode[r]!
        if (nodeStamp[node] !== stamp) {
          nodeStamp[node] = stamp
          nodeTokens[node]!++
          remoteNodes += +(node !== homeNode)
        }
      }
    }
    tokensLeavingRank += +(remoteRanks > 0)
    tokensLeavingNode += +(remoteNodes > 0)
  }
  const traffic = Float64Array.from(trafficCounts)
  const rankSlotLoads = Float64Array.from(rankSlots)
  const rankTokenLoads = new Float64Array(numRanks)
  const nodeSlotLoads = new Float64Array(numNodes)
  const nodeTokenLoads = Float64Array.from(nodeTokens)
  let copiesLeavingRank = 0
  let copiesLeavingNode = 0
  for (let src = 0; src < numRanks; src++) {
    for (let dst = 0; dst < numRanks; dst++) {
      const c = trafficCounts[src * numRanks + dst]!
      rankTokenLoads[dst]! += c
      if (src !== dst) copiesLeavingRank += c
      if (rankNode[src] !== rankNode[dst]) copiesLeavingNode += c
    }
    nodeSlotLoads[rankNode[src]!]! += rankSlots[src]!
  }
  return {
    numTokens,
    numRanks,
    numNodes,
    rankSlotLoads,
    rankTokenLoads,
    nodeSlotLoads,
    nodeTokenLoads,
    traffic,
    copiesLeavingRank,
    copiesLeavingNode,
    tokensLeavingRank,
    tokensLeavingNode,
  }
}
