import { afterAll, describe, expect } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { RoutesimError, parseParameterValue, type ParameterSpec } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import { parseStrategyParams } from '../../src/options.ts'

// Fuzzing `--param key=value`: for every registered strategy, any list of entries (its own keys and
// hostile ones, any text as values) either parses, builds the strategy and routes a small layer, or
// is refused with a RoutesimError. Anything else is a crash. Seeded, so CI runs the same inputs.

const simulator = createSimulator({ seed: 5 })
const names = simulator.getAvailableStrategies()
const RUNS = { entries: 6000, numbers: 3000 } as const
let generated = 0
let routed = 0
afterAll(() => {
  expect(generated).toBe(RUNS.entries + RUNS.numbers)
  // Not every input is refused: a good share reaches routing with fuzzed parameters.
  expect(routed).toBeGreaterThan(RUNS.entries / 4)
})

const T = 8
const E = 16
const logits = { data: Float32Array.from({ length: T * E }, (_, i) => Math.sin(i * 1.7)), shape: [T, E] }

const numberText = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.double({ min: -10, max: 10, noNaN: true }).map((v) => v.toExponential(3)),
  fc.constantFrom(
    '0x10',
    '0b1',
    '0o7',
    '1_000',
    'Infinity',
    '-Infinity',
    'NaN',
    '',
    ' ',
    '.',
    '-',
    '+',
    '1e',
    '.5',
    '5.',
    ' 2 ',
    '1e400',
    '-0',
    '00012',
    '１２',
  ),
)
const valueText = fc.oneof(
  numberText,
  fc.array(numberText, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(',')),
  fc.constantFrom(
    'true',
    'false',
    'TRUE',
    'per_call',
    'identity',
    'per_layer',
    'dirichlet',
    'ones',
    'softmax_topk',
    'grouped_topk',
    'vllm',
    'hf',
    'megatron',
    'sigmoid',
  ),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
)

function keysOf(name: string): string[] {
  return Object.keys(simulator.describeStrategy(name).parameters)
}

/** Text a user would plausibly type for this parameter: its default, a value of its type in range, an enum value. */
function plausible(spec: ParameterSpec | undefined): fc.Arbitrary<string> {
  const fallback = fc.constant(spec?.default === undefined ? '1' : String(spec.default))
  if (spec === undefined) return fallback
  const lo = spec.min ?? -1e6
  const hi = spec.max ?? Math.max(lo + 1, 1e6)
  switch (spec.type) {
    case 'enum':
      return fc.constantFrom(...(spec.values ?? ['x']))
    case 'boolean':
      return fc.constantFrom('true', 'false')
    case 'integer':
      return fc.oneof(fallback, fc.integer({ min: Math.max(-(2 ** 31), Math.ceil(lo)), max: Math.min(2 ** 31, Math.floor(hi)) }).map(String))
    case 'number':
      return fc.oneof(fallback, fc.double({ min: lo, max: hi, noNaN: true }).map(String))
    default:
      return fallback
  }
}

const entries = fc.constantFrom(...names).chain((name) =>
  fc.tuple(
    fc.constant(name),
    fc.array(
      fc.oneof(
        // A known key with a plausible value (twice as likely), or with any text.
        {
          weight: 2,
          arbitrary: fc
            .constantFrom(...(keysOf(name).length ? keysOf(name) : ['x']))
            .chain((key) => fc.tuple(fc.constant(key), plausible(simulator.describeStrategy(name).parameters[key]), fc.constant('='))),
        },
        {
          weight: 1,
          arbitrary: fc.tuple(
            fc.oneof(
              { weight: 8, arbitrary: fc.constantFrom(...(keysOf(name).length ? keysOf(name) : ['x'])) },
              { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', 'a=b') },
              { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
            ),
            valueText,
            fc.constantFrom('=', '=', '=', ''),
          ),
        },
      ),
      { maxLength: 3 },
    ),
  ),
)

describe('fuzz: --param parsing never crashes (seeded)', () => {
  test.prop([entries], { numRuns: RUNS.entries, seed: 2001 })('any entries for any strategy parse, build and route, or are a typed error', ([name, list]) => {
    generated++
    const raw = list.map(([key, value, eq]) => `${key}${eq}${value}`)
    try {
      const params = parseStrategyParams(name, simulator.describeStrategy(name).parameters, raw)
      const strategy = simulator.createStrategy(name, params)
      const [weights, ids] = strategy.routeTokens({ shape: [T, 4] }, logits, 2, 'int32', { layer: 0 })
      expect(ids.data).toHaveLength(T * 2)
      expect(weights.data.every(Number.isFinite)).toBe(true)
      expect((ids.data as Int32Array).every((id) => id >= 0 && id < E)).toBe(true)
      routed++
    } catch (error) {
      if (!RoutesimError.isInstance(error)) throw error
      expect(error.message.length).toBeLessThan(5000)
    }
  })

  // The decimal grammar, stated independently: optional sign, digits with an optional fraction (or a
  // bare fraction), optional exponent; surrounding spaces allowed; nothing else is a number.
  const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/
  const spec: ParameterSpec = { type: 'number', default: 0, description: 'x' }
  test.prop([fc.oneof(numberText, fc.string({ maxLength: 12 }))], { numRuns: RUNS.numbers, seed: 2002 })(
    'a number parameter reads exactly the decimal numbers',
    (text) => {
      generated++
      let value: unknown
      try {
        value = parseParameterValue('fuzz', 'x', spec, text)
      } catch (error) {
        expect(RoutesimError.isInstance(error)).toBe(true)
        expect(DECIMAL.test(text)).toBe(false)
        return
      }
      expect(DECIMAL.test(text)).toBe(true)
      expect(value).toBe(Number(text.trim()))
    },
  )
})
