import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, LimitExceededError, RoutesimError, createPrng } from '@routesim/core'
import {
  SigmoidBinTable,
  createWeightedDistinctSampler,
  plackettLuceInclusion,
  sampleDistinctSubsets,
  sampleLogGamma,
  sampleNormal,
  sampleSigmoidNormalBins,
  sampleSymmetricDirichlet,
  sampleUniformInts,
  sigmoidBin,
} from '../../src/index.ts'

const code = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    if (RoutesimError.isInstance(error)) return error.code
    throw error
  }
  return 'ok'
}

describe('hostile: sampleSymmetricDirichlet checks n, out, offset and the PRNG', () => {
  const prng = () => createPrng(1)
  it.each([
    ['n = 0', () => sampleSymmetricDirichlet(prng(), 1, 0, new Float64Array(4)), /Invalid n: 0/],
    ['n = NaN', () => sampleSymmetricDirichlet(prng(), 1, Number.NaN, new Float64Array(4)), /Invalid n: NaN/],
    ['n = 2^31 (allocated 16 GB before)', () => sampleSymmetricDirichlet(prng(), 1, 2 ** 31, new Float64Array(4)), /exceeds the limit on experts/],
    [
      'out shorter than n (wrote nothing, silently)',
      () => sampleSymmetricDirichlet(prng(), 1, 8, new Float64Array(4)),
      /Invalid out.length: 4. Allowed: at least n = 8/,
    ],
    ['offset past the end', () => sampleSymmetricDirichlet(prng(), 1, 4, new Float64Array(4), 1), /Invalid offset: 1. Allowed: an integer in \[0, 0\]/],
    ['negative offset', () => sampleSymmetricDirichlet(prng(), 1, 4, new Float64Array(8), -1), /Invalid offset: -1/],
    ['out a plain array', () => sampleSymmetricDirichlet(prng(), 1, 4, [0, 0, 0, 0] as never), /Invalid out/],
    ['no PRNG', () => sampleSymmetricDirichlet(undefined as never, 1, 4, new Float64Array(4)), /Invalid prng: undefined. Allowed: a Prng from createPrng/],
    ['concentration = Infinity', () => sampleSymmetricDirichlet(prng(), Infinity, 4, new Float64Array(4)), /Invalid concentration: Infinity/],
    ['log-gamma shape = -1', () => sampleLogGamma(prng(), -1), /Invalid shape: -1/],
    ['log-gamma without a PRNG', () => sampleLogGamma({} as never, 1), /Invalid prng/],
  ] as const)('%s → InvalidArgumentError / LimitExceededError', (_, run, message) => {
    expect(run).toThrow(RoutesimError)
    expect(run).toThrow(message)
  })

  it('a subnormal concentration is the one-hot limit, never NaN', () => {
    const out = new Float64Array(16)
    sampleSymmetricDirichlet(createPrng(3), Number.MIN_VALUE, 16, out)
    expect(out.every(Number.isFinite)).toBe(true)
    expect(out.reduce((a, b) => a + b, 0)).toBe(1)
    expect(out.filter((v) => v === 1)).toHaveLength(1)
  })

  test.prop([fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }), fc.integer({ min: 1, max: 64 }), fc.integer()], { numRuns: 300, seed: 31 })(
    'for any positive finite concentration the draw is a finite probability vector',
    (alpha, n, seed) => {
      const out = new Float32Array(n)
      sampleSymmetricDirichlet(createPrng(seed), alpha, n, out)
      const sum = out.reduce((a, b) => a + b, 0)
      expect(out.every((v) => Number.isFinite(v) && v >= 0)).toBe(true)
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5)
    },
  )
})

describe('hostile: SigmoidBinTable checks its sizes (numBins 0, NaN or 2^31 looped or allocated without bound)', () => {
  it.each([0, -1, Number.NaN, 1.5, 2 ** 31])('new SigmoidBinTable(%s) is a typed error', (numBins) => {
    expect(code(() => new SigmoidBinTable(numBins))).toMatch(/invalid_argument|limit_exceeded/)
  })

  it('mapInto checks count and offset against the buffers (it read and wrote out of bounds silently)', () => {
    const table = new SigmoidBinTable(16, 4096)
    const z = Float64Array.from({ length: 8 }, (_, i) => i - 4)
    expect(() => table.mapInto(z, 9, new Int32Array(16), 0)).toThrow(/Invalid count: 9. Allowed: an integer in \[0, 8\]/)
    expect(() => table.mapInto(z, 8, new Int32Array(8), 1)).toThrow(/Invalid offset: 1/)
    expect(() => table.mapInto(z, 8, new Float64Array(8) as never, 0)).toThrow(InvalidArgumentError)
    const out = new Int32Array(8)
    table.mapInto(z, 8, out, 0)
    expect(Array.from(out)).toEqual(Array.from(z, (v) => sigmoidBin(v, 16)))
  })
})

describe('hostile: plackettLuceInclusion checks k, points and the work it is asked for', () => {
  const weights = Float64Array.from({ length: 64 }, (_, i) => 1 / (i + 1))
  it.each([
    ['points = 1 (gave NaN)', () => plackettLuceInclusion(weights, 4, 1), /Invalid points: 1/],
    ['points = 0', () => plackettLuceInclusion(weights, 4, 0), /Invalid points: 0/],
    ['points = NaN', () => plackettLuceInclusion(weights, 4, Number.NaN), /Invalid points: NaN/],
    ['points = 1e9 (ran for hours)', () => plackettLuceInclusion(weights, 4, 1e9), /Invalid points: 1000000000/],
    ['k > items with weight', () => plackettLuceInclusion(weights, 65), /Invalid k: 65/],
    ['k fractional', () => plackettLuceInclusion(weights, 1.5), /Invalid k: 1.5/],
    ['weights with NaN', () => plackettLuceInclusion([1, Number.NaN, 1], 1), /Invalid weights/],
  ] as const)('%s → InvalidArgumentError', (_, run, message) => {
    expect(run).toThrow(InvalidArgumentError)
    expect(run).toThrow(message)
  })

  it('a request that would run for hours is refused before it starts', () => {
    const big = new Float64Array(1 << 16).fill(1)
    expect(() => plackettLuceInclusion(big, 1024)).toThrow(LimitExceededError)
    expect(() => plackettLuceInclusion(big, 1024)).toThrow(/exceeds the limit on Plackett–Luce inclusion work/)
  })

  it('still sums to k on an ordinary request', () => {
    const pi = plackettLuceInclusion(weights, 4)
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(4, 6)
  })
})

describe('hostile: every sampler names a missing or fake PRNG (it was a TypeError deep inside)', () => {
  const fake = { nextDouble: () => 0.5 }
  it.each([
    ['sampleUniformInts', (prng: unknown) => sampleUniformInts(new Int32Array(8), 16, prng as never)],
    ['sampleDistinctSubsets', (prng: unknown) => sampleDistinctSubsets(new Int32Array(8), 4, 16, 2, prng as never)],
    ['sampleNormal', (prng: unknown) => sampleNormal(new Float64Array(8), 0, 1, prng as never)],
    ['sampleSigmoidNormalBins', (prng: unknown) => sampleSigmoidNormalBins(new Int32Array(8), 16, 0, 1, prng as never)],
    ['weighted sampleRows', (prng: unknown) => createWeightedDistinctSampler([1, 2, 3, 4]).sampleRows(prng as never, 2, 2)],
  ])('%s', (_, run) => {
    for (const prng of [undefined, null, fake, 42]) {
      expect(() => run(prng)).toThrow(InvalidArgumentError)
      expect(() => run(prng)).toThrow(/Invalid prng: .*Allowed: a Prng from createPrng/)
    }
    expect(() => run(createPrng(1))).not.toThrow()
  })

  it('weighted sampleRows refuses rows × k beyond the buffer limit before allocating', () => {
    expect(() => createWeightedDistinctSampler([1, 2, 3, 4]).sampleRows(createPrng(1), 2 ** 30, 2)).toThrow(LimitExceededError)
  })
})
