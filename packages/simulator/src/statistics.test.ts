import { describe, expect, it } from 'vitest'
import { indexArrayToInt32 } from '@routesim/core'
import { chiSquareSurvival, chiSquareTest, sigmoidNormalBinProbabilities } from '@routesim/distributions'
import { createSimulator } from './simulator.ts'

// Statistical laws of the built-ins, checked through the simulator over 40 seeds: a correct sampler
// is rejected at α = 0.01 about 0.4 times in 40; ≤ 3 rejections is allowed (P ≈ 0.0008 otherwise).
const SEEDS = 40
const ALPHA = 0.01

function rejections(pValue: (seed: number) => number): number {
  let rejected = 0
  for (let seed = 0; seed < SEEDS; seed++) if (pValue(seed) < ALPHA) rejected++
  return rejected
}

function routeIds(seed: number, name: string, tokens: number, experts: number, k: number, params?: Record<string, unknown>): Int32Array {
  const simulator = createSimulator({ seed })
  if (params) simulator.registerStrategy('under_test', simulator.createStrategy(name, params))
  const [, ids] = simulator.simulateRouting({ shape: [tokens, 1] }, { shape: [tokens, experts] }, params ? 'under_test' : name, k)
  return indexArrayToInt32(ids.data)
}

describe('uniform_random: k-subsets are uniform', () => {
  it('per-expert frequencies (E = 64, k = 8): χ² corrected for distinct rows', () => {
    const [e, k, tokens] = [64, 8, 1600]
    const rejected = rejections((seed) => {
      const ids = routeIds(seed, 'uniform_random', tokens, e, k)
      const counts = new Float64Array(e)
      for (const id of ids) counts[id]!++
      const expected = (tokens * k) / e
      let x2 = 0
      for (const c of counts) x2 += (c - expected) ** 2 / expected
      // Var(count) = T(k/E)(1 − k/E) for distinct rows, so X²·(E−1)/(E−k) ~ χ²(E−1).
      return chiSquareSurvival((x2 * (e - 1)) / (e - k), e - 1)
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('pair frequencies (E = 16, k = 2: each token is one unordered pair, 120 cells)', () => {
    const [e, tokens] = [16, 2400]
    const cells = (e * (e - 1)) / 2
    const rejected = rejections((seed) => {
      const ids = routeIds(seed, 'uniform_random', tokens, e, 2)
      const counts = new Float64Array(cells)
      for (let t = 0; t < tokens; t++) {
        const x = Math.min(ids[2 * t]!, ids[2 * t + 1]!)
        const y = Math.max(ids[2 * t]!, ids[2 * t + 1]!)
        counts[x * e - (x * (x + 1)) / 2 + (y - x - 1)]!++
      }
      return chiSquareTest(counts, new Float64Array(cells).fill(1 / cells)).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('all pairs within k = 4 rows (E = 12): pair counts match C(k,2)/C(E,2) each', () => {
    // Every pair of a uniform 4-subset of 12 is one of 66 pairs with equal probability; the counts are
    // correlated within a row, so this checks the mean law with a generous z-bound instead of χ².
    const [e, k, tokens] = [12, 4, 20_000]
    const ids = routeIds(99, 'uniform_random', tokens, e, k)
    const counts = new Float64Array(e * e)
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < k; i++)
        for (let j = i + 1; j < k; j++) {
          const a = ids[t * k + i]!
          const b = ids[t * k + j]!
          counts[Math.min(a, b) * e + Math.max(a, b)]!++
        }
    }
    const p = (k * (k - 1)) / (e * (e - 1)) // P(a given pair is inside a row)
    for (let a = 0; a < e; a++)
      for (let b = a + 1; b < e; b++) {
        expect(Math.abs(counts[a * e + b]! - tokens * p)).toBeLessThan(5 * Math.sqrt(tokens * p * (1 - p)))
      }
  })
})

describe('normal_routing: ids follow P(id=j) = Φ((logit((j+1)/E)−μ)/σ) − Φ((logit(j/E)−μ)/σ)', () => {
  it.each([
    [{ mean: 0, std: 1 }, 64],
    [{ mean: 2, std: 0.5 }, 16],
    [{ mean: -1, std: 2 }, 32],
  ])('%o, E = %i: χ² with sparse cells pooled', (params, e) => {
    const p = sigmoidNormalBinProbabilities(e, params.mean, params.std)
    const rejected = rejections((seed) => {
      const ids = routeIds(seed, 'normal_routing', 5000, e, 4, params)
      const counts = new Float64Array(e)
      for (const id of ids) counts[id]!++
      return chiSquareTest(counts, p).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('distinct: true keeps the first slot on P exactly (successive sampling)', () => {
    const e = 16
    const p = sigmoidNormalBinProbabilities(e, 2, 0.5)
    const rejected = rejections((seed) => {
      const ids = routeIds(seed, 'normal_routing', 5000, e, 4, { mean: 2, std: 0.5, distinct: true })
      const counts = new Float64Array(e)
      for (let t = 0; t < 5000; t++) counts[ids[t * 4]!]!++
      return chiSquareTest(counts, p).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })
})
