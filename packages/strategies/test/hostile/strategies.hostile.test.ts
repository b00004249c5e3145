import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, LimitExceededError } from '@routesim/core'
import { groupedTopK, sigmoidTopK } from '@routesim/routers'
import {
  createDirichletStrategy,
  createLogitBiasStrategy,
  createLognormalStrategy,
  createPowerLawStrategy,
  createRandomLogitsStrategy,
  createZipfStrategy,
  lognormalValues,
  powerLawValue,
  zipfValues,
} from '../../src/index.ts'
import { createPrng } from '@routesim/core'

const hidden = (t: number) => ({ shape: [t, 1] })
const logits = (t: number, e: number) => ({ shape: [t, e] })

describe('hostile: concentration parameters are blamed by name, not top-k or an internal weights array', () => {
  it.each([
    [
      'zipf exponent=1e300 (blamed --top-k)',
      () => createZipfStrategy({ exponent: 1e300 }),
      /Invalid zipf.exponent: 1e\+300\. Allowed: a value that leaves at least topK = 2 of the 16 experts a non-zero popularity \(this one leaves 1/,
    ],
    ['dirichlet concentration=1e-300 (blamed --top-k)', () => createDirichletStrategy({ concentration: 1e-300 }), /Invalid dirichlet.concentration: 1e-300/],
    ['lognormal sigma=1e300 (blamed lognormal.weights[1]: Infinity)', () => createLognormalStrategy({ sigma: 1e300 }), /Invalid lognormal.sigma: 1e\+300/],
  ] as const)('%s', (_, create, message) => {
    const run = () => create().routeTokens(hidden(4), logits(4, 16), 2)
    expect(run).toThrow(InvalidArgumentError)
    expect(run).toThrow(message)
  })

  it('power_law alpha=1e300 (gave NaN weights) routes: the law tends to uniform on [x_min, x_max]', () => {
    const [weights, ids] = createPowerLawStrategy({ alpha: 1e300 }, { seed: 1 }).routeTokens(hidden(8), logits(8, 16), 2)
    expect(weights.data.every(Number.isFinite)).toBe(true)
    expect(ids.data.every((id) => id >= 0 && id < 16)).toBe(true)
    expect(powerLawValue(0.5, 1e300, 0.01, 2)).toBe(0.01)
    expect(powerLawValue(0.5, 1e300, 1, 100)).toBe(1)
    // The formula is unchanged where it was finite (same seed, same bytes).
    expect(powerLawValue(0.3, 1.2, 1, 100)).toBe(((100 ** (1 - 1.2) - 1) * 0.3 + 1) ** (1 / (1 - 1.2)))
  })

  test.prop([fc.double({ min: 0, max: 1e300, noNaN: true }), fc.integer({ min: 1, max: 64 }), fc.integer()], { numRuns: 300, seed: 41 })(
    'lognormal values are finite and positive-or-zero for any finite sigma',
    (sigma, E, seed) => {
      const values = lognormalValues(E, sigma, createPrng(seed))
      expect(values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true)
      expect(Math.max(...values)).toBeGreaterThan(0)
    },
  )

  test.prop([fc.double({ min: 0, max: 1e300, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })], { numRuns: 500, seed: 42 })(
    'powerLawValue stays in [x_min, x_max] for any alpha',
    (alpha, u) => {
      for (const [lo, hi] of [
        [0.01, 2],
        [1, 3276.8],
      ] as const) {
        const x = powerLawValue(u, alpha, lo, hi)
        expect(x).toBeGreaterThanOrEqual(lo * (1 - 1e-12))
        expect(x).toBeLessThanOrEqual(hi * (1 + 1e-12))
      }
    },
  )
})

describe('hostile: zipf sizes', () => {
  it('zipfValues with E ≥ 2^30 is refused before allocating (a RangeError after allocating before)', () => {
    expect(() => zipfValues(2 ** 30, 1)).toThrow(LimitExceededError)
    expect(() => zipfValues(2 ** 30, 1)).toThrow('Invalid numExperts: 1073741824 exceeds the limit on experts (at most 1,048,576).')
    expect(() => createZipfStrategy().routeTokens(hidden(1), logits(1, 2 ** 30), 1)).toThrow(LimitExceededError)
  })
})

describe('hostile: logit strategies check their ranges and sizes before allocating', () => {
  it('logit_bias std=1e308 names std (it reported "Invalid routerLogits … -Infinity")', () => {
    expect(() => createLogitBiasStrategy({ std: 1e308 })).toThrow('Invalid logit_bias.std: 1e+308. Allowed: a finite number in [0, 1000000].')
  })

  it('random_logits bounds are finite float32 values, low < high', () => {
    expect(() => createRandomLogitsStrategy({ high: 1e308 })).toThrow(/Invalid random_logits.high: 1e\+308/)
    expect(() => createRandomLogitsStrategy({ low: 3, high: 3 })).toThrow(/random_logits.high: 3. Allowed: a finite number > low \(3\)/)
  })

  it.each([
    [
      'logit_bias T=2^22, E=2^20 (RangeError after trying to allocate 16 TB)',
      () => createLogitBiasStrategy().routeTokens(hidden(2 ** 22), logits(2 ** 22, 2 ** 20), 1),
    ],
    ['random_logits T=E=65536 (3 minutes of work, 17 GB)', () => createRandomLogitsStrategy().routeTokens(hidden(65536), logits(65536, 65536), 1)],
  ])('%s → LimitExceededError before allocating', (_, run) => {
    expect(run).toThrow(LimitExceededError)
    expect(run).toThrow(/Invalid numTokens × numExperts: 4\d+ exceeds the limit on elements of one buffer/)
  })
})

describe('hostile: routers keep float32 weights finite', () => {
  const data = Float32Array.from({ length: 2 * 16 }, (_, i) => Math.sin(i))
  it.each([
    ['grouped_topk routedScalingFactor=1e308 (gave Infinity weights)', () => groupedTopK({ data, shape: [2, 16] }, 2, { routedScalingFactor: 1e308 })],
    ['sigmoid_topk routedScalingFactor=1e308', () => sigmoidTopK({ data, shape: [2, 16] }, 2, { routedScalingFactor: 1e308 })],
    ['routedScalingFactor=0', () => groupedTopK({ data, shape: [2, 16] }, 2, { routedScalingFactor: 0 })],
  ])('%s → InvalidArgumentError', (_, run) => {
    expect(run).toThrow(InvalidArgumentError)
    expect(run).toThrow(/routedScalingFactor: (1e\+308|0)\. Allowed: a finite number in \(0, 1000000\]/)
  })

  it('the largest allowed factor gives finite weights', () => {
    const [weights] = groupedTopK({ data, shape: [2, 16] }, 2, { routedScalingFactor: 1e6 })
    expect(weights.data.every(Number.isFinite)).toBe(true)
  })
})
