import { afterAll, describe, expect } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { RoutesimError } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import { MODEL_PRESETS, createSimulatorCatalog, parseScenario } from '../../src/index.ts'
import type { Scenario } from '../../src/index.ts'

// Fuzzing the scenario parser: whatever the input (any text, any JSON value, a valid scenario with
// random edits, a structurally plausible scenario with hostile values), parseScenario returns a
// well-formed scenario or throws a RoutesimError. Anything else (a TypeError, a RangeError, a stack
// overflow, a hang) is a crash. Seeded, so CI runs the same inputs every time.

const catalog = createSimulatorCatalog(createSimulator())
const strategyNames = createSimulator().getAvailableStrategies()
const presetNames = MODEL_PRESETS.map((p) => p.name)

let generated = 0
const RUNS = { text: 2500, json: 2500, edited: 2500, structured: 3000 } as const
afterAll(() => {
  // Every generated input was parsed (each JSON value twice: as a value and as text): 13,000 inputs.
  expect(generated).toBe(RUNS.text + 2 * RUNS.json + RUNS.edited + RUNS.structured)
})

/** Parses; returns the scenario or undefined for a typed error; rethrows anything else (a crash). */
function parse(input: unknown): Scenario | undefined {
  generated++
  try {
    return parseScenario(input, { catalog, source: 'fuzz.json' })
  } catch (error) {
    if (RoutesimError.isInstance(error)) {
      expect(error.code).toBe('config_validation')
      expect(error.message.length).toBeLessThan(20_000)
      return undefined
    }
    throw error
  }
}

function expectWellFormed(s: Scenario | undefined): void {
  if (s === undefined) return
  expect(Number.isSafeInteger(s.steps) && s.steps >= 1).toBe(true)
  expect(Number.isSafeInteger(s.tokensPerStep) && s.tokensPerStep >= 1).toBe(true)
  expect(s.numLayers).toBeGreaterThanOrEqual(1)
  expect(s.numLayers).toBeLessThanOrEqual(s.preset.moeLayerIndices.length)
  expect(s.layerStrategies).toHaveLength(s.numLayers)
  expect(s.layerStrategies.every((c) => typeof c?.name === 'string')).toBe(true)
}

const small = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, -0, Number.MAX_SAFE_INTEGER, 1e308, '8', null, true, [], {}) },
)
const tokens = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 256 }) },
  // Hostile values are all invalid, so no probe routes millions of tokens.
  { weight: 1, arbitrary: fc.constantFrom(0, -5, 4194305, 2 ** 53, 0.5, '16', null, Number.NaN) },
)
const params = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'exponent',
      'std',
      'mean',
      'target',
      'hotCount',
      'epSize',
      'rank',
      'concentration',
      'sigma',
      'alpha',
      'weightPolicy',
      'layout',
      'router',
      '__proto__',
      'constructor',
    ),
    fc.string({ maxLength: 8 }),
  ),
  fc.oneof(
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('per_call', 'identity', 'dirichlet', 'softmax_topk'),
    fc.array(fc.double(), { maxLength: 4 }),
  ),
  { maxKeys: 3 },
)
const strategy = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...strategyNames, 'native') },
  { weight: 2, arbitrary: fc.record({ name: fc.constantFrom(...strategyNames), params }, { requiredKeys: ['name'] }) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 16 }), fc.jsonValue({ maxDepth: 2 })) },
)
const layerSelection = fc.oneof(
  fc.integer({ min: -2, max: 100 }),
  fc.tuple(fc.integer({ min: -1, max: 70 }), fc.integer({ min: -1, max: 1e12 })).map(([a, b]) => `${a}-${b}`),
  fc.array(fc.integer({ min: -1, max: 60 }), { maxLength: 6 }),
  fc.string({ maxLength: 10 }),
)
const structured = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
    seed: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.double()),
    preset: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...presetNames) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
    layers: small,
    tokensPerStep: tokens,
    steps: small,
    strategy,
    layerStrategies: fc.array(fc.record({ layers: layerSelection, name: fc.constantFrom(...strategyNames, 'nope'), params }, { requiredKeys: ['name'] }), {
      maxLength: 4,
    }),
    parallel: fc.record({ epSize: small, nodes: small, placement: fc.constantFrom('linear', 'round_robin', 'random', 'nope') }, { requiredKeys: [] }),
    eplb: fc.record(
      {
        enabled: fc.boolean(),
        windowSize: small,
        stepInterval: small,
        redundantExperts: small,
        policy: fc.constantFrom('auto', 'global', 'hierarchical', 'nope'),
        replicaChoice: fc.string({ maxLength: 8 }),
        preserveIntraGpuSlots: fc.boolean(),
        initialReplicaCounts: fc.array(small, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    ),
    capacity: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }),
    logits: fc.jsonValue({ maxDepth: 2 }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['preset'] },
)

/** A known-good scenario text to edit. */
const VALID = JSON.stringify({
  preset: 'qwen3-30b-a3b',
  strategy: { name: 'zipf', params: { exponent: 1.2 } },
  steps: 2,
  tokensPerStep: 32,
  layers: 2,
  layerStrategies: [{ layers: '0-1', name: 'uniform_random' }],
  parallel: { epSize: 4 },
  eplb: { enabled: true, windowSize: 2, stepInterval: 1 },
})
const edit = fc.array(
  fc.tuple(
    fc.nat(),
    fc.constantFrom('delete', 'insert', 'replace'),
    fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '-', '9', 'e', '\\', '\u0000', ' ', 'null', '1e999', '__proto__'),
  ),
  { minLength: 1, maxLength: 6 },
)

describe('fuzz: parseScenario never crashes (seeded)', () => {
  test.prop([fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }))], { numRuns: RUNS.text, seed: 1001 })(
    'any text',
    (text) => {
      expectWellFormed(parse(text))
    },
  )

  test.prop([fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3, withBigInt: true, withTypedArray: true, withNullPrototype: true }))], {
    numRuns: RUNS.json,
    seed: 1002,
  })('any value, as a value and as JSON text', (value) => {
    expectWellFormed(parse(value))
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch {
      text = undefined // bigints
    }
    if (text !== undefined) parse(text)
    else generated++
  })

  test.prop([edit], { numRuns: RUNS.edited, seed: 1003 })('a valid scenario with random edits', (edits) => {
    let text = VALID
    for (const [at, op, piece] of edits) {
      const i = at % (text.length + 1)
      text =
        op === 'delete'
          ? text.slice(0, i) + text.slice(i + 1)
          : op === 'insert'
            ? text.slice(0, i) + piece + text.slice(i)
            : text.slice(0, i) + piece + text.slice(i + piece.length)
    }
    expectWellFormed(parse(text))
  })

  test.prop([structured], { numRuns: RUNS.structured, seed: 1004 })('plausible scenarios with hostile values', (scenario) => {
    expectWellFormed(parse(scenario))
  })
})
