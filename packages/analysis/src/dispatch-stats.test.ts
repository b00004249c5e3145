import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { dispatchStats } from './dispatch-stats.ts'
import { slotRanks } from './placement.ts'
import { tokenHomeRank } from './expert-map.ts'

describe('dispatchStats', () => {
  it('counts slots, distinct tokens and rank×rank traffic on a hand-worked case', () => {
    // 4 tokens, k = 2, 8 slots over 4 ranks (linear, 2 per rank), 2 nodes of 2 ranks. Token t lives on rank t.
    const layout = { slotRank: slotRanks(8, 4, 'linear'), numRanks: 4 }
    const ids = [
      0,
      1, // token 0 → rank 0 twice: stays home
      0,
      7, // token 1 (rank 1, node 0) → rank 0 (same node), rank 3 (other node)
      4,
      5, // token 2 (rank 2) → rank 2 twice: home
      2,
      3, // token 3 (rank 3, node 1) → rank 1 twice (other node)
    ]
    const s = dispatchStats(ids, 2, layout, { numNodes: 2 })
    expect([...s.rankSlotLoads]).toEqual([3, 2, 2, 1])
    expect([...s.rankTokenLoads]).toEqual([2, 1, 1, 1])
    expect([...s.nodeSlotLoads]).toEqual([5, 3])
    expect([...s.nodeTokenLoads]).toEqual([3, 2])
    // prettier-ignore
    expect([...s.traffic]).toEqual([
      1, 0, 0, 0,
      1, 0, 0, 1,
      0, 0, 1, 0,
      0, 1, 0, 0,
    ])
    expect(s).toMatchObject({ copiesLeavingRank: 3, copiesLeavingNode: 2, tokensLeavingRank: 2, tokensLeavingNode: 2 })
  })

  it('rejects node counts that do not divide the ranks and out-of-range slots', () => {
    const layout = { slotRank: slotRanks(4, 2), numRanks: 2 }
    expect(() => dispatchStats([0, 1], 2, layout, { numNodes: 3 })).toThrow(InvalidArgumentError)
    expect(() => dispatchStats([0, 4], 2, layout)).toThrow(/physicalIds\[1\]/)
  })

  test.prop([fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 4 }), fc.integer()])(
    'conserves tokens: row sums of traffic = per-home-rank tokens with a destination; column sums = rank token loads',
    (numRanks, perRank, numTokens, topK, seed) => {
      const numSlots = numRanks * perRank
      const prng = createPrng(seed)
      const ids = Int32Array.from({ length: numTokens * topK }, () => prng.nextInt(numSlots))
      const s = dispatchStats(ids, topK, { slotRank: slotRanks(numSlots, numRanks, 'round_robin'), numRanks })
      let total = 0
      for (let dst = 0; dst < numRanks; dst++) {
        let col = 0
        for (let src = 0; src < numRanks; src++) col += s.traffic[src * numRanks + dst]!
        expect(col).toBe(s.rankTokenLoads[dst])
        total += col
      }
      let diagonal = 0
      for (let r = 0; r < numRanks; r++) diagonal += s.traffic[r * numRanks + r]!
      expect(total - diagonal).toBe(s.copiesLeavingRank)
      expect(s.rankSlotLoads.reduce((a, b) => a + b, 0)).toBe(numTokens * topK)
      expect(s.tokensLeavingRank).toBeLessThanOrEqual(numTokens)
      // Each row's sources are the tokens homed there: between 1 and k copies per token.
      const homed = new Float64Array(numRanks)
      for (let t = 0; t < numTokens; t++) homed[tokenHomeRank(t, numTokens, numRanks)]!++
      for (let src = 0; src < numRanks; src++) {
        let row = 0
        for (let dst = 0; dst < numRanks; dst++) row += s.traffic[src * numRanks + dst]!
        expect(row).toBeGreaterThanOrEqual(homed[src]!)
        expect(row).toBeLessThanOrEqual(homed[src]! * topK)
      }
    },
  )
})

describe('dispatchStats layout validation', () => {
  it('rejects slot ranks outside [0, numRanks)', () => {
    expect(() => dispatchStats([0, 1], 2, { slotRank: new Int32Array([0, 2]), numRanks: 2 })).toThrow(/slotRank\[1\]/)
  })
})

describe('dispatchStats malformed layout', () => {
  it('rejects a layout without slot ranks', () => {
    expect(() => dispatchStats([0], 1, { numRanks: 1 } as unknown as { slotRank: Int32Array; numRanks: number })).toThrow(/layout.slotRank/)
  })
})
