import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, LimitExceededError, ShapeMismatchError, UnsupportedDistributionError, createPrng, indexArrayToInt32 } from '@routesim/core'
import type { RoutingResult, ShapedInput } from '@routesim/core'
import { sampleNormal, sigmoidBin } from '@routesim/distributions'
import { describeStrategyConformance } from '@routesim/testing'
import { DistributionBasedRouting } from './distribution-based-routing.ts'

const shapes = (t: number, e: number): [ShapedInput, ShapedInput] => [{ shape: [t, 32] }, { shape: [t, e] }]

function rowsDistinct(result: RoutingResult, k: number): boolean {
  const ids = indexArrayToInt32(result[1].data)
  for (let r = 0; r < ids.length; r += k) if (new Set(ids.subarray(r, r + k)).size !== k) return false
  return true
}

describe('DistributionBasedRouting: the seed contract', () => {
  it("defaults to 'uniform', lower-cases the name and reports a copy of its parameters", () => {
    expect(new DistributionBasedRouting().getDistributionInfo()).toEqual({ distribution: 'uniform', parameters: {} })
    const normal = new DistributionBasedRouting('NoRmAl')
    expect(normal.distribution).toBe('normal')
    const info = normal.getDistributionInfo()
    expect(info).toEqual({ distribution: 'normal', parameters: { mean: 0, std: 1 } })
    info.parameters.mean = 99
    expect(normal.getDistributionInfo().parameters.mean).toBe(0)
    // The seed constructs uniform_random with mean/std too; uniform keeps them and ignores them.
    expect(new DistributionBasedRouting('uniform', { mean: 0, std: 1 }).getDistributionInfo()).toEqual({
      distribution: 'uniform',
      parameters: { mean: 0, std: 1 },
    })
    expect(new DistributionBasedRouting('normal', { mean: 2, std: 0.5, seed: 3 }).getDistributionInfo().parameters).toEqual({ mean: 2, std: 0.5, seed: 3 })
  })

  it('rejects unknown distributions with the seed message listing the supported ones', () => {
    expect(() => new DistributionBasedRouting('Zipf')).toThrow(UnsupportedDistributionError)
    expect(() => new DistributionBasedRouting('Zipf')).toThrow("Unsupported distribution: zipf. Supported distributions: ['uniform', 'normal']")
    expect(() => new DistributionBasedRouting(7 as never)).toThrow(/^Unsupported distribution: 7\./)
  })

  it('rejects bad parameters with typed errors naming parameter, value and what is allowed', () => {
    expect(() => new DistributionBasedRouting('normal', { std: -1 })).toThrow('Invalid std: -1. Allowed: a finite number in (0, ∞).')
    expect(() => new DistributionBasedRouting('normal', { std: NaN })).toThrow('Invalid std: NaN. Allowed: a finite number in (0, ∞).')
    expect(() => new DistributionBasedRouting('normal', { std: 0 })).toThrow(InvalidArgumentError)
    expect(() => new DistributionBasedRouting('normal', { mean: Infinity })).toThrow(/Invalid mean: Infinity/)
    expect(() => new DistributionBasedRouting('uniform', { std: NaN })).toThrow(/Invalid std: NaN/)
    expect(() => new DistributionBasedRouting('uniform', { weights: 'softmax' as never })).toThrow("Invalid weights: \"softmax\". Allowed: 'ones', 'mean'.")
    expect(() => new DistributionBasedRouting('uniform', { replacement: 'yes' as never })).toThrow(/Invalid replacement: "yes". Allowed: true or false/)
    expect(() => new DistributionBasedRouting('uniform', { distinct: true })).toThrow(
      "Unknown parameter 'distinct' for the uniform distribution. Known parameters: [seed, mean, std, replacement, weights].",
    )
    expect(() => new DistributionBasedRouting('normal', { sdt: 1 } as never)).toThrow(/Unknown parameter 'sdt' for the normal distribution/)
    expect(() => new DistributionBasedRouting('normal', { seed: 1.5 })).toThrow(/Invalid seed: 1.5/)
    expect(() => new DistributionBasedRouting('normal', null as never)).toThrow(InvalidArgumentError)
  })

  it.each([
    ['uniform', {}],
    ['uniform', { replacement: true }],
    ['normal', {}],
    ['normal', { distinct: true }],
  ] as const)('%s %o: [T, k] float32 weights; ids of each dtype in [0, E)', (distribution, params) => {
    const strategy = new DistributionBasedRouting(distribution, params)
    for (const [dtype, type] of [
      [undefined, Int32Array],
      ['int32', Int32Array],
      ['uint32', Uint32Array],
      ['int64', BigInt64Array],
    ] as const) {
      const [w, ids] = strategy.routeTokens(...shapes(37, 16), 4, dtype)
      expect(w.data).toBeInstanceOf(Float32Array)
      expect(w.shape).toEqual([37, 4])
      expect(ids.data).toBeInstanceOf(type)
      expect(ids.shape).toEqual([37, 4])
      expect(indexArrayToInt32(ids.data).every((v) => v >= 0 && v < 16)).toBe(true)
    }
  })
})

describe('DistributionBasedRouting: uniform', () => {
  test.prop([
    fc.integer({ min: 1, max: 300 }).chain((e) => fc.tuple(fc.constant(e), fc.integer({ min: 1, max: e }))),
    fc.integer({ min: 0, max: 30 }),
    fc.integer(),
  ])('gives k distinct experts per token by default (vLLM #43680)', ([e, k], t, seed) => {
    const result = new DistributionBasedRouting('uniform', { seed }).routeTokens(...shapes(t, e), k)
    expect(rowsDistinct(result, k)).toBe(true)
  })

  it("weights: all ones (the seed; rows sum to k) or 1/k with weights: 'mean'", () => {
    const [ones] = new DistributionBasedRouting('uniform').routeTokens(...shapes(5, 16), 4)
    expect(Array.from(ones.data)).toEqual(new Array(20).fill(1))
    const [mean] = new DistributionBasedRouting('uniform', { weights: 'mean' }).routeTokens(...shapes(5, 16), 4)
    expect(Array.from(mean.data)).toEqual(new Array(20).fill(Math.fround(0.25)))
  })

  it('replacement: true restores i.i.d. draws: duplicates at the derived rate 1 − Π(1 − i/E) (E = 8, k = 2 → 12.5%)', () => {
    const [, ids] = new DistributionBasedRouting('uniform', { replacement: true, seed: 4 }).routeTokens(...shapes(40_000, 8), 2)
    const data = indexArrayToInt32(ids.data)
    let duplicates = 0
    for (let r = 0; r < 40_000; r++) if (data[2 * r] === data[2 * r + 1]) duplicates++
    const rate = duplicates / 40_000
    expect(Math.abs(rate - 0.125)).toBeLessThan(5 * Math.sqrt((0.125 * 0.875) / 40_000))
    // k > E is allowed with replacement, as randint allows it.
    expect(() => new DistributionBasedRouting('uniform', { replacement: true }).routeTokens(...shapes(3, 2), 5)).not.toThrow()
  })
})

describe('DistributionBasedRouting: normal (the seed formula)', () => {
  it('ids = clamp(floor(sigmoid(z)·E), 0, E−1) and weights = |z′|/Σ|z′| from the next, independent draws', () => {
    const t = 50
    const k = 3
    const e = 16
    const prng = createPrng(21)
    const [w, ids] = new DistributionBasedRouting('normal', { mean: 2, std: 0.5 }).routeTokens(...shapes(t, e), k, 'int32', { prng })
    const replay = createPrng(21)
    const z = sampleNormal(new Float64Array(t * k), 2, 0.5, replay)
    const zw = sampleNormal(new Float64Array(t * k), 2, 0.5, replay)
    expect(Array.from(indexArrayToInt32(ids.data))).toEqual(Array.from(z, (v) => sigmoidBin(v, e)))
    for (let r = 0; r < t; r++) {
      const row = zw.subarray(r * k, r * k + k)
      const sum = row.reduce((s, v) => s + Math.abs(v), 0)
      for (let i = 0; i < k; i++) expect(w.data[r * k + i]).toBe(Math.fround(Math.abs(row[i]!) / sum))
    }
    expect(prng.getState()).toEqual(replay.getState())
  })

  it('rows sum to 1; ids may repeat (about 47% of k = 8 rows for mean 2, std 0.5, E = 256: anchors b.3)', () => {
    const [w, ids] = new DistributionBasedRouting('normal', { mean: 2, std: 0.5, seed: 1 }).routeTokens(...shapes(20_000, 256), 8)
    let repeated = 0
    const data = indexArrayToInt32(ids.data)
    for (let r = 0; r < 20_000; r++) {
      let s = 0
      for (let i = 0; i < 8; i++) s += w.data[r * 8 + i]!
      expect(Math.abs(s - 1)).toBeLessThan(1e-5)
      if (new Set(data.subarray(r * 8, r * 8 + 8)).size < 8) repeated++
    }
    expect(repeated / 20_000).toBeGreaterThan(0.4)
    expect(repeated / 20_000).toBeLessThan(0.55)
  })

  it('distinct: true gives k distinct ids, and k > E is then an error', () => {
    const strategy = new DistributionBasedRouting('normal', { mean: 2, std: 0.5, distinct: true })
    expect(rowsDistinct(strategy.routeTokens(...shapes(2000, 16), 8), 8)).toBe(true)
    expect(() => strategy.routeTokens(...shapes(2, 4), 5)).toThrow(InvalidArgumentError)
    expect(() => new DistributionBasedRouting('normal').routeTokens(...shapes(2, 4), 5)).not.toThrow()
  })
})

describe('DistributionBasedRouting: seeding', () => {
  it('same seed ⇒ byte-identical output; successive calls continue the stream; different seeds differ', () => {
    const a = new DistributionBasedRouting('normal', { seed: 9 })
    const b = new DistributionBasedRouting('normal', { seed: 9 })
    const first = a.routeTokens(...shapes(64, 32), 4)
    expect(b.routeTokens(...shapes(64, 32), 4)).toEqual(first)
    expect(a.routeTokens(...shapes(64, 32), 4)).not.toEqual(first)
    expect(new DistributionBasedRouting('normal', { seed: 10 }).routeTokens(...shapes(64, 32), 4)).not.toEqual(first)
  })

  it('draws from context.prng when lent; restoring its state replays the call', () => {
    const prng = createPrng(3)
    const state = prng.getState()
    const a = new DistributionBasedRouting('uniform', { seed: 1 }).routeTokens(...shapes(64, 32), 4, undefined, { prng })
    prng.setState(state)
    const b = new DistributionBasedRouting('uniform', { seed: 2 }).routeTokens(...shapes(64, 32), 4, undefined, { prng })
    expect(b).toEqual(a)
    expect(() => new DistributionBasedRouting().routeTokens(...shapes(4, 8), 2, undefined, { prng: {} as never })).toThrow(/Invalid context.prng/)
  })
})

describe('DistributionBasedRouting: bad input ⇒ typed errors', () => {
  const uniform = new DistributionBasedRouting('uniform')
  it.each([
    ['k > E (distinct)', () => uniform.routeTokens(...shapes(2, 4), 5), InvalidArgumentError, /Invalid topK: 5/],
    ['k = 0', () => uniform.routeTokens(...shapes(2, 4), 0), InvalidArgumentError, /Invalid topK: 0/],
    ['k < 0', () => new DistributionBasedRouting('normal').routeTokens(...shapes(2, 4), -1), InvalidArgumentError, /Invalid topK: -1/],
    ['non-integer k', () => uniform.routeTokens(...shapes(2, 4), 1.5), InvalidArgumentError, /Invalid topK: 1.5/],
    ['E = 0', () => uniform.routeTokens(...shapes(2, 0), 1), InvalidArgumentError, /numExperts/],
    ['T < 0', () => uniform.routeTokens({ shape: [-1, 4] }, { shape: [-1, 4] }, 1), ShapeMismatchError, /hiddenStates.shape/],
    ['non-integer T', () => uniform.routeTokens({ shape: [2.5, 4] }, { shape: [2.5, 4] }, 1), ShapeMismatchError, /hiddenStates.shape/],
    ['non-integer E', () => uniform.routeTokens({ shape: [2, 4] }, { shape: [2, 4.5] }, 1), ShapeMismatchError, /routerLogits.shape/],
    ['T mismatch', () => uniform.routeTokens({ shape: [3, 4] }, { shape: [2, 8] }, 1), ShapeMismatchError, /routerLogits.shape\[0\]: expected 3/],
    ['1-D logits', () => uniform.routeTokens({ shape: [3, 4] }, { shape: [8] }, 1), ShapeMismatchError, /routerLogits.shape/],
    [
      'wrong data length',
      () => uniform.routeTokens({ shape: [2, 4] }, { shape: [2, 8], data: new Float32Array(15) }, 1),
      ShapeMismatchError,
      /routerLogits.data.length/,
    ],
    ['wrong typed array', () => uniform.routeTokens({ shape: [2, 4] }, { shape: [2, 8], data: [1, 2] as never }, 1), InvalidArgumentError, /routerLogits.data/],
    [
      'T·k beyond the limits',
      () => uniform.routeTokens(...shapes(2 ** 29, 16), 8),
      LimitExceededError,
      /Invalid numTokens \(hiddenStates.shape\[0\]\): 536870912 exceeds the limit on tokens/,
    ],
    [
      'unknown dtype',
      () => uniform.routeTokens(...shapes(2, 4), 1, 'int16' as never),
      InvalidArgumentError,
      /Invalid indicesType: "int16". Allowed: 'int32', 'uint32', 'int64'/,
    ],
  ] as const)('%s', (_, run, type, message) => {
    expect(run).toThrow(type)
    expect(run).toThrow(message)
  })

  it('hiddenStates may have no data; logits values are never read; T = 0 gives [0, k]', () => {
    const [w, ids] = uniform.routeTokens({ shape: [0, 4] }, { shape: [0, 8] }, 3)
    expect(w.shape).toEqual([0, 3])
    expect(ids.data.length).toBe(0)
    const logits = { shape: [2, 8], data: new Float32Array(16).fill(NaN) }
    expect(() => uniform.routeTokens({ shape: [2, 4] }, logits, 3)).not.toThrow()
  })
})

describeStrategyConformance('uniform (distinct, ones)', ({ seed }) => new DistributionBasedRouting('uniform', { seed }), { distinct: true, weightSum: 'k' })
describeStrategyConformance('uniform (replacement)', ({ seed }) => new DistributionBasedRouting('uniform', { seed, replacement: true }), { weightSum: 'k' })
describeStrategyConformance('uniform (weights mean)', ({ seed }) => new DistributionBasedRouting('uniform', { seed, weights: 'mean' }), {
  distinct: true,
  weightSum: 'one',
})
describeStrategyConformance('normal (seed formula)', ({ seed }) => new DistributionBasedRouting('normal', { seed }), { weightSum: 'one' })
describeStrategyConformance(
  'normal (distinct, mean 2, std 0.5)',
  ({ seed }) => new DistributionBasedRouting('normal', { seed, mean: 2, std: 0.5, distinct: true }),
  { distinct: true, weightSum: 'one' },
)
