import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import {
  InvalidArgumentError,
  InvalidStrategyResultError,
  LIMITS,
  LimitExceededError,
  RoutesimError,
  assertRoutingInputs,
  checkAllocation,
  checkJsonDepth,
  checkStrategyResult,
  createPrng,
  defineStrategy,
  describeValue,
  guardStrategy,
  parseParameterValue,
  resolveParameters,
  type RoutingStrategy,
} from '../../src/index.ts'

const typedCode = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    if (RoutesimError.isInstance(error)) return error.code
    throw error
  }
  return 'ok'
}

describe('hostile: Prng.nextInt(n) checks n (0, NaN and n > 2^32 looped forever; negative or fractional n gave garbage)', () => {
  it.each([0, Number.NaN, 2 ** 32 + 1, Infinity, -1, -0.5, 1.5, 2 ** 53])('nextInt(%s) is an InvalidArgumentError', (n) => {
    const prng = createPrng(1)
    expect(() => prng.nextInt(n)).toThrow(InvalidArgumentError)
    expect(() => prng.nextInt(n)).toThrow(/Invalid n: .*Allowed: an integer in \[1, 2\^32\]/)
  })

  it('accepts both ends of [1, 2^32]', () => {
    const prng = createPrng(7)
    expect(prng.nextInt(1)).toBe(0)
    const v = prng.nextInt(2 ** 32)
    expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true)
  })

  test.prop([fc.integer({ min: 1, max: 2 ** 32 }), fc.integer()], { numRuns: 500, seed: 10 })('nextInt(n) lies in [0, n) for every valid n', (n, seed) => {
    const x = createPrng(seed).nextInt(n)
    expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true)
  })

  test.prop([fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: 0 }), fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 32 + 1))], {
    numRuns: 500,
    seed: 11,
  })('nextInt rejects every n outside the integers in [1, 2^32] with a typed error', (n) => {
    expect(typedCode(() => createPrng(0).nextInt(n))).toBe('invalid_argument')
  })
})

describe('hostile: the error formatter (describeValue) is bounded for any value', () => {
  it('renders a 200k-deep array and object without overflowing the stack', () => {
    const deepArray = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown
    const deepObject = JSON.parse('{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000)) as unknown
    expect(describeValue(deepArray)).toBe('[[[[[…]]]]]')
    expect(describeValue(deepObject).length).toBeLessThan(300)
    expect(() => checkJsonDepth('scenario', deepArray)).toThrow(LimitExceededError)
    expect(() => checkJsonDepth('scenario', deepObject)).toThrow(/JSON nesting depth \(at most 64\)/)
  })

  it('does not echo a 50 MB string in full', () => {
    const huge = 'x'.repeat(50 * 1024 * 1024)
    const text = describeValue(huge)
    expect(text.length).toBeLessThan(400)
    expect(text).toContain('(52428800 characters)')
    const error = new InvalidArgumentError({ parameter: 'preset', value: huge, allowed: 'a preset name' })
    expect(error.message.length).toBeLessThan(500)
  })

  it('survives throwing getters, cycles, symbols and functions', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic['self'] = cyclic
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('no')
      },
    })
    expect(describeValue(cyclic)).toContain('"self"')
    expect(describeValue(hostile)).toContain('getter threw')
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)')
    expect(describeValue(() => 1)).toMatch(/^\[function/)
  })

  test.prop([fc.anything({ maxDepth: 6, withBigInt: true, withTypedArray: true, withMap: true, withSet: true })], { numRuns: 2000, seed: 12 })(
    'describeValue never throws and stays short',
    (value) => {
      expect(describeValue(value).length).toBeLessThan(2000)
    },
  )
})

describe('hostile: the result guard rejects what a strategy must not return', () => {
  const call = { numTokens: 4, numExperts: 8, topK: 2 }
  const ok = (): [{ data: Float32Array; shape: number[] }, { data: Int32Array; shape: number[] }] => [
    { data: new Float32Array(8).fill(0.5), shape: [4, 2] },
    { data: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), shape: [4, 2] },
  ]
  const origin = { strategyName: 'mine', plugin: 'routesim-strategy-mine' }
  const cases: [string, () => unknown, RegExp][] = [
    [
      'NaN weights',
      () => {
        const r = ok()
        r[0].data[3] = Number.NaN
        return r
      },
      /weight NaN at token 1, slot 1/,
    ],
    [
      'T·k − k ids',
      () => {
        const r = ok()
        r[1] = { data: new Int32Array(6), shape: [3, 2] }
        return r
      },
      /ids.shape is \[3,2\], not \[4, 2\]/,
    ],
    [
      'k+1 ids per token',
      () => {
        const r = ok()
        r[1] = { data: new Int32Array(12), shape: [4, 3] }
        return r
      },
      /ids.shape is \[4,3\], not \[4, 2\]/,
    ],
    [
      'an id ≥ E',
      () => {
        const r = ok()
        r[1].data[5] = 8
        return r
      },
      /expert id 8 at token 2, slot 1 \(ids must be in \[0, 8\)\)/,
    ],
    [
      'an id < 0',
      () => {
        const r = ok()
        r[1].data[0] = -1
        return r
      },
      /expert id -1 at token 0/,
    ],
    [
      'Float64 ids',
      () => {
        const r = ok()
        return [r[0], { data: Float64Array.from(r[1].data), shape: [4, 2] }]
      },
      /ids.data is Float64Array, not Int32Array/,
    ],
    ['undefined', () => undefined, /undefined instead of \[weights, ids\]/],
    ['a Promise', () => Promise.resolve(ok()), /a Promise from routeTokens/],
    [
      'data shorter than its shape',
      () => {
        const r = ok()
        r[0] = { data: new Float32Array(7), shape: [4, 2] }
        return r
      },
      /weights.data has 7 values, not T·k = 8/,
    ],
  ]
  it.each(cases)('%s → InvalidStrategyResultError naming the strategy and plugin', (_, result, problem) => {
    const run = () => checkStrategyResult(origin, result(), call)
    expect(run).toThrow(InvalidStrategyResultError)
    expect(run).toThrow(problem)
    expect(run).toThrow(/Strategy 'mine' \(from plugin "routesim-strategy-mine"\) returned an invalid result/)
  })

  it('checks distinctness only where the definition promises it', () => {
    const r = ok()
    r[1].data[1] = 0
    expect(() => checkStrategyResult(origin, r, call)).not.toThrow()
    expect(() => checkStrategyResult({ ...origin, distinctIds: true }, r, call)).toThrow(/expert 0 twice for token 0/)
  })

  it('guardStrategy wraps routeTokens and routeTokensOn; the caller is blamed for bad arguments', async () => {
    const liar: RoutingStrategy = {
      routeTokens: (_h, _l, k) => [
        { data: new Float32Array(k + 1), shape: [1, k + 1] },
        { data: new Int32Array(k + 1), shape: [1, k + 1] },
      ],
      routeTokensOn: async () => undefined as never,
    }
    const guarded = guardStrategy(liar, { strategyName: 'liar' })
    expect(() => guarded.routeTokens({ shape: [1, 1] }, { shape: [1, 8] }, 2)).toThrow(InvalidStrategyResultError)
    await expect(guarded.routeTokensOn!({} as never, { shape: [1, 1] }, { shape: [1, 8] }, 2)).rejects.toThrow(/undefined instead/)
    expect(() => guarded.routeTokens({ shape: [1, 1] }, { shape: [2, 8] }, 2)).toThrow(/Shape mismatch for routerLogits.shape\[0\]/)
  })
})

describe('hostile: sizes are limited before anything is allocated', () => {
  it.each([
    [
      'E = 268435456',
      { shape: [1, 1] },
      { shape: [1, 268_435_456] },
      1,
      /numExperts \(routerLogits.shape\[1\]\): 268435456 exceeds the limit on experts \(at most 1,048,576\)/,
    ],
    ['E = 2^31', { shape: [1, 1] }, { shape: [1, 2 ** 31] }, 1, /exceeds the limit on experts/],
    ['T = 2^30', { shape: [2 ** 30, 1] }, { shape: [2 ** 30, 8] }, 1, /exceeds the limit on tokens/],
    ['k = 10^6', { shape: [1, 1] }, { shape: [1, 8] }, 1_000_000, /Invalid topK: 1000000 exceeds the limit on top-k \(at most 1,024\)/],
  ] as const)('%s → LimitExceededError', (_, hidden, logits, k, message) => {
    const run = () => assertRoutingInputs(hidden, logits, k, { distinct: false })
    expect(run).toThrow(LimitExceededError)
    expect(run).toThrow(message)
  })

  it('distinct top-k names the whole allowed range, upper bound included', () => {
    expect(() => assertRoutingInputs({ shape: [1, 1] }, { shape: [1, 256] }, 10 ** 9, { distinct: true })).toThrow(
      'Invalid topK: 1000000000. Allowed: an integer in [1, 256].',
    )
  })

  it('estimates memory before allocating', () => {
    expect(() =>
      checkAllocation('x', [
        [LIMITS.maxElements, 8],
        [LIMITS.maxElements, 8],
      ]),
    ).toThrow(/memory of one request/)
    expect(() => checkAllocation('x', [[LIMITS.maxElements + 1, 1]])).toThrow(LimitExceededError)
    expect(() => checkAllocation('x', [[1024, 4]])).not.toThrow()
  })
})

describe('hostile: parameter parsing is strict', () => {
  const spec = { type: 'number', min: 0, default: 1, description: 'exponent' } as const
  it.each(['0x10', '0b1', '0o7', '1_000', 'Infinity', '-Infinity', '', ' ', 'NaN', '1e', '--1', '1,2'])('exponent=%j is an error, not a number', (raw) => {
    expect(() => parseParameterValue('zipf', 'exponent', spec, raw)).toThrow(InvalidArgumentError)
  })
  it.each([
    ['16', 16],
    ['1e3', 1000],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['5.', 5],
    [' 2 ', 2],
  ] as const)('exponent=%j is %s', (raw, value) => {
    expect(parseParameterValue('zipf', 'exponent', spec, raw)).toBe(value)
  })
  it('refuses __proto__ and other own keys it does not know (they were silently dropped)', () => {
    const specs = { exponent: spec }
    const parsed = JSON.parse('{"__proto__": {"exponent": 5}}') as Record<string, unknown>
    expect(() => resolveParameters('zipf', specs, parsed)).toThrow("Unknown parameter '__proto__' for zipf. Known parameters: [exponent].")
    expect(() => resolveParameters('zipf', specs, [] as never)).toThrow(InvalidArgumentError)
  })
})

describe('hostile: definitions are frozen copies', () => {
  it('defineStrategy freezes the definition, its specs and their defaults', () => {
    const def = defineStrategy({
      name: 'frozen',
      description: 'd',
      parameters: { w: { type: 'number[]', default: [1, 2], description: 'w' } },
      create: () => ({
        routeTokens: () => {
          throw new Error('unused')
        },
      }),
    })
    expect(Object.isFrozen(def) && Object.isFrozen(def.parameters) && Object.isFrozen(def.parameters['w'])).toBe(true)
    expect(Object.isFrozen(def.parameters['w']!.default)).toBe(true)
    expect(() => {
      ;(def as { create: unknown }).create = () => null
    }).toThrow(TypeError)
  })
})
