import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, ShapeMismatchError, createPrng, indexArrayToInt32, resolveParameters } from '@routesim/core'
import { normalCdf, plackettLuceInclusion } from '@routesim/distributions'
import { MAX_REJECTIONS, chiSquarePValue, counts, hidden, ksPValue, rejections, shapeOnly } from '../test/statistics.ts'
import { categoricalDefinition, createCategoricalStrategy } from './categorical.ts'
import { createDirichletStrategy } from './dirichlet.ts'
import { createHotExpertsStrategy } from './hot-experts.ts'
import { createLognormalStrategy, lognormalValues } from './lognormal.ts'
import { createPowerLawStrategy, powerLawValues } from './power-law.ts'
import type { PopularityStrategy } from './popularity-strategy.ts'
import { createZipfStrategy, zipfDefinition } from './zipf.ts'

const E = 32
const K = 4
const T = 1500

/** Routes T tokens and tests per-expert frequencies against the exact Plackett–Luce inclusion probabilities. */
function plMarginalPValue(strategy: PopularityStrategy, layer = 0): number {
  const [, ids] = strategy.routeTokens(hidden(T), shapeOnly(T, E), K, 'int32', { layer })
  const popularity = strategy.popularity(E, T, K, layer)
  const inclusion = plackettLuceInclusion(popularity, K)
  return chiSquarePValue(
    counts(ids.data, E),
    Float64Array.from(inclusion, (v) => v / K),
  )
}

describe('popularity families: per-expert frequencies = Plackett–Luce inclusion probabilities (χ², 40 seeds, ≤ 3 rejections at α = 0.01)', () => {
  const families: [string, (seed: number) => PopularityStrategy][] = [
    ['zipf s=1.2', (seed) => createZipfStrategy({ exponent: 1.2 }, { seed })],
    ['zipf s=0 (uniform)', (seed) => createZipfStrategy({ exponent: 0, layout: 'per_call' }, { seed })],
    ['power_law α=1.5', (seed) => createPowerLawStrategy({ alpha: 1.5 }, { seed })],
    ['lognormal σ=1', (seed) => createLognormalStrategy({ sigma: 1 }, { seed })],
    ['hot_experts h=4 f=0.7', (seed) => createHotExpertsStrategy({ hotCount: 4, hotFraction: 0.7 }, { seed })],
    ['dirichlet α=0.5', (seed) => createDirichletStrategy({ concentration: 0.5 }, { seed })],
    ['categorical', (seed) => createCategoricalStrategy({ weights: Array.from({ length: E }, (_, i) => (i % 5) + (i === 3 ? 0 : 0.5)) }, { seed })],
  ]
  for (const [label, make] of families) {
    it(label, () => {
      expect(rejections((seed) => plMarginalPValue(make(seed), seed % 3))).toBeLessThanOrEqual(MAX_REJECTIONS)
    })
  }

  it('a wrong law is rejected: frequencies tested against the with-replacement law p_i (not PL) fail', () => {
    // Guards the test itself: under strong skew PL inclusion differs from k·p_i, and χ² must see it.
    const s = createZipfStrategy({ exponent: 1.5, layout: 'identity' }, { seed: 1 })
    const [, ids] = s.routeTokens(hidden(4000), shapeOnly(4000, E), K)
    expect(chiSquarePValue(counts(ids.data, E), s.popularity(E, 4000, K))).toBeLessThan(1e-6)
  })
})

describe('popularity values follow their definitions', () => {
  it('zipf with identity layout: p_r ∝ r^−s, expert 0 hottest', () => {
    const p = createZipfStrategy({ exponent: 0.8, layout: 'identity' }).popularity(16, 10, 2)
    const h = Array.from({ length: 16 }, (_, r) => (r + 1) ** -0.8).reduce((a, b) => a + b, 0)
    for (let r = 0; r < 16; r++) expect(p[r]).toBeCloseTo((r + 1) ** -0.8 / h, 12)
  })

  it('per_layer: the same layer keeps its permutation across calls, different layers differ; per_call redraws', () => {
    const s = createZipfStrategy({}, { seed: 4 })
    const a = s.popularity(64, 8, 2, 0)
    s.routeTokens(hidden(8), shapeOnly(8, 64), 2, 'int32', { layer: 0 })
    expect(s.popularity(64, 8, 2, 0)).toEqual(a)
    expect(s.popularity(64, 8, 2, 1)).not.toEqual(a)
    expect(Float64Array.from(a).sort()).toEqual(Float64Array.from(s.popularity(64, 8, 2, 1)).sort())
    const c = createZipfStrategy({ layout: 'per_call', weightPolicy: 'mean' }, { seed: 4 })
    const [, x] = c.routeTokens(hidden(2000), shapeOnly(2000, 64), 2)
    const [, y] = c.routeTokens(hidden(2000), shapeOnly(2000, 64), 2)
    const cx = counts(x.data, 64)
    const cy = counts(y.data, 64)
    expect(cx.indexOf(Math.max(...cx))).not.toBe(cy.indexOf(Math.max(...cy)))
  })

  it("power_law values follow aiconfigurator's bounded power law, both regimes and α = 1 (KS, 40 seeds)", () => {
    for (const [alpha, T, k, E] of [
      [1.7, 4000, 8, 256], // T·k > E: (x_min, x_max) = (1, 0.8·T)
      [0.5, 10, 2, 256], // T·k ≤ E: (0.01, 2)
      [1, 4000, 8, 256], // log-uniform limit
    ] as const) {
      const [xmin, xmax] = T * k > E ? [1, 0.8 * T] : [0.01, 2]
      const cdf =
        alpha === 1
          ? (x: number) => Math.log(x / xmin) / Math.log(xmax / xmin)
          : (x: number) => (x ** (1 - alpha) - xmin ** (1 - alpha)) / (xmax ** (1 - alpha) - xmin ** (1 - alpha))
      const r = rejections((seed) => ksPValue(powerLawValues(E, T, k, alpha, createPrng(seed, 'pl')), cdf))
      expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
    }
  })

  it('lognormal values: ln(w)/σ is N(0, 1) (KS, 40 seeds)', () => {
    const sigma = 0.7
    const r = rejections((seed) =>
      ksPValue(
        Array.from(lognormalValues(300, sigma, createPrng(seed, 'ln')), (w) => Math.log(w) / sigma),
        normalCdf,
      ),
    )
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('hot_experts: the hot set holds exactly f of the weight', () => {
    const p = createHotExpertsStrategy({ hotCount: 5, hotFraction: 0.6, layout: 'identity' }).popularity(40, 10, 2)
    expect(p.subarray(0, 5).reduce((a, b) => a + b, 0)).toBeCloseTo(0.6, 12)
    for (let e = 5; e < 40; e++) expect(p[e]).toBeCloseTo(0.4 / 35, 12)
  })

  it('dirichlet popularity is on the simplex and varies by layer', () => {
    const s = createDirichletStrategy({ concentration: 0.2 }, { seed: 3 })
    const a = s.popularity(50, 10, 2, 0)
    expect(a.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12)
    expect(s.popularity(50, 10, 2, 1)).not.toEqual(a)
  })

  it('categorical exact: per-expert counts are realised exactly, proportional to the weights', () => {
    const weights = [8, 4, 2, 2, 0, 0, 0, 0]
    const s = createCategoricalStrategy({ weights, exact: true }, { seed: 2 })
    const [, ids] = s.routeTokens(hidden(100), shapeOnly(100, 8), 2)
    expect(Array.from(counts(ids.data, 8))).toEqual([100, 50, 25, 25, 0, 0, 0, 0])
    const plain = indexArrayToInt32(ids.data)
    for (let t = 0; t < 100; t++) expect(plain[2 * t]).not.toBe(plain[2 * t + 1])
  })
})

describe('popularity families reject bad input with typed errors naming the parameter', () => {
  it.each([-1, Number.NaN, Infinity])('zipf exponent %s', (bad) => {
    expect(() => createZipfStrategy({ exponent: bad })).toThrow(InvalidArgumentError)
    expect(() => resolveParameters('zipf', zipfDefinition.parameters, { exponent: bad })).toThrow(/zipf\.exponent/)
  })
  it('power_law α ≤ 0 or NaN, lognormal σ < 0, dirichlet concentration ≤ 0', () => {
    expect(() => createPowerLawStrategy({ alpha: 0 })).toThrow(/power_law\.alpha/)
    expect(() => createPowerLawStrategy({ alpha: Number.NaN })).toThrow(InvalidArgumentError)
    expect(() => createLognormalStrategy({ sigma: -0.1 })).toThrow(/lognormal\.sigma/)
    expect(() => createDirichletStrategy({ concentration: 0 })).toThrow(/dirichlet\.concentration/)
  })
  it('categorical weights: all zero, NaN, negative, missing, wrong length', () => {
    expect(() => createCategoricalStrategy({ weights: [0, 0, 0] })).toThrow(/categorical\.weights/)
    expect(() => createCategoricalStrategy({ weights: [1, Number.NaN] })).toThrow(InvalidArgumentError)
    expect(() => createCategoricalStrategy({ weights: [1, -1] })).toThrow(InvalidArgumentError)
    expect(() => categoricalDefinition.create({}, {})).toThrow(/categorical\.weights/)
    const s = createCategoricalStrategy({ weights: [1, 2, 3] })
    expect(() => s.routeTokens(hidden(2), shapeOnly(2, 4), 1)).toThrow(ShapeMismatchError)
  })
  it('k larger than the number of experts with non-zero weight ⇒ topK error', () => {
    const s = createCategoricalStrategy({ weights: [1, 0, 2, 0] })
    expect(() => s.routeTokens(hidden(2), shapeOnly(2, 4), 3)).toThrow(/topK.*non-zero weight/)
    const hot = createHotExpertsStrategy({ hotCount: 2, hotFraction: 1 })
    expect(() => hot.routeTokens(hidden(2), shapeOnly(2, 16), 3)).toThrow(InvalidArgumentError)
  })
  it('hot set larger than E', () => {
    const s = createHotExpertsStrategy({ hotCount: 20 })
    expect(() => s.routeTokens(hidden(2), shapeOnly(2, 16), 2)).toThrow(/hot_experts\.hotCount/)
  })
  it('unknown parameters are rejected (a typo must not fall back to a default)', () => {
    expect(() => createZipfStrategy({ exponnet: 2 })).toThrow(/Unknown parameter 'exponnet'/)
  })
})

describe('caller-owned outputs', () => {
  // Popularity strategies write every id, so a caller's array is not cleared first: stale values must never survive.
  it.each([
    ['zipf', () => createZipfStrategy({ exponent: 1 }, { seed: 5 })],
    ['categorical exact', () => createCategoricalStrategy({ weights: Array.from({ length: 64 }, (_, e) => 1 + (e % 5)), exact: true }, { seed: 5 })],
  ] as const)('%s: an output holding stale ids gives the bytes of a fresh one', (_, make) => {
    const tokens = 700
    const k = 8
    const [freshWeights, freshIds] = make().routeTokens(hidden(tokens), shapeOnly(tokens, 64), k, 'int32', { prng: createPrng(9) })
    const output = { ids: new Int32Array(tokens * k).fill(-1), weights: new Float32Array(tokens * k).fill(-1) }
    const [weights, ids] = make().routeTokens(hidden(tokens), shapeOnly(tokens, 64), k, 'int32', { prng: createPrng(9), output })
    expect(ids.data).toBe(output.ids)
    expect(output.ids).toEqual(freshIds.data)
    expect(weights.data).toEqual(freshWeights.data)
  })
})
