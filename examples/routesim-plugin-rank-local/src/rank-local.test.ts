import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import { chiSquareTest, describeStrategyConformance } from '@routesim/testing'
import { rankLocal } from './rank-local.ts'

describeStrategyConformance('rank_local', ({ seed }) => rankLocal.create({ epSize: 2, rank: 1 }, { seed }), {
  shapes: [
    { numExperts: 16, topK: 4 },
    { numExperts: 64, topK: 8 },
    { numExperts: 256, topK: 8 },
  ],
  distinct: true,
  weightSum: 'one',
})

describe('rank_local law', () => {
  it('uses only the chosen rank, each of its experts equally often (χ² over 40 seeds, ≤ 3 rejections at α = 0.01)', () => {
    const E = 64
    const R = 8
    const rank = 3
    const k = 4
    let rejections = 0
    let outside = 0
    for (let seed = 0; seed < 40; seed++) {
      const [, ids] = rankLocal.create({ epSize: R, rank }, { seed }).routeTokens({ shape: [2000, 1] }, { shape: [2000, E] }, k)
      const counts = new Array<number>(E / R).fill(0)
      for (const id of ids.data as Int32Array) {
        if (Math.floor(id / (E / R)) === rank) counts[id - rank * (E / R)]!++
        else outside++
      }
      const expected = counts.map(() => (2000 * k) / (E / R))
      if (chiSquareTest(counts, expected).pValue < 0.01) rejections++
    }
    expect(outside).toBe(0)
    expect(rejections).toBeLessThanOrEqual(3)
  })

  it('rejects an EP size that does not divide E, a rank out of range and k above the experts per rank', () => {
    const route = (epSize: number, rank: number, k: number) => () =>
      rankLocal.create({ epSize, rank }, { seed: 0 }).routeTokens({ shape: [4, 1] }, { shape: [4, 16] }, k)
    for (const run of [route(3, 0, 1), route(4, 4, 1), route(4, 0, 5)]) {
      let error: unknown
      try {
        run()
      } catch (e) {
        error = e
      }
      expect(InvalidArgumentError.isInstance(error)).toBe(true)
    }
  })
})
