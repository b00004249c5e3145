import { describe, expect, it } from 'vitest'
import { ConfigValidationError } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import { MODEL_PRESETS, getPreset, parseScenario, runScenario } from '../../src/index.ts'

const simulator = createSimulator()
const base = { preset: 'qwen3-30b-a3b', strategy: 'uniform_random', steps: 1, tokensPerStep: 16 }

/** The issues parseScenario reports for `input` (it must throw a ConfigValidationError). */
function issuesOf(input: unknown): string {
  try {
    parseScenario(input, { simulator, source: 'hostile.json' })
  } catch (error) {
    expect(ConfigValidationError.isInstance(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a ConfigValidationError')
}

describe('hostile scenarios: high', () => {
  it('layers "0-99999999999" is refused before the range is materialised (V8 fatal error before)', () => {
    const message = issuesOf({ ...base, layerStrategies: [{ layers: '0-99999999999', name: 'zipf' }] })
    expect(message).toContain(
      'layerStrategies[0].layers: "0-99999999999" is not allowed; expected a layer index, a range "a-b" or a list of indices, each in [0, 47]',
    )
    expect(issuesOf({ ...base, layerStrategies: [{ layers: new Array(1e6).fill(0), name: 'zipf' }] })).toContain(
      'layerStrategies[0].layers: [0, 0, 0, 0, 0, 0, 0, 0, …] is not allowed',
    )
  })
})

describe('hostile scenarios: medium', () => {
  it.each(['target_balancedness', 'target_gini', 'target_max_over_mean'])(
    '%s parses and runs at its defaults (the probe routed 1 token and called it infeasible)',
    async (strategy) => {
      const scenario = parseScenario({ ...base, strategy, tokensPerStep: 512, layers: 1 }, { simulator })
      const summary = await runScenario(scenario, { simulator })
      expect(Number.isFinite(summary.balancedness.static.perLayerMean)).toBe(true)
    },
  )

  it('a 200k-deep scenario (text or value) is a typed error, not a stack overflow', () => {
    const text = `{"preset":${'['.repeat(200_000)}${']'.repeat(200_000)}}`
    expect(issuesOf(text)).toContain('$: Invalid scenario: 65 exceeds the limit on JSON nesting depth (at most 64).')
    expect(issuesOf(JSON.parse(text))).toContain('exceeds the limit on JSON nesting depth')
  })

  it('model presets are deeply frozen', () => {
    const preset = getPreset('deepseek-v3')
    expect(Object.isFrozen(MODEL_PRESETS)).toBe(true)
    expect(Object.isFrozen(preset) && Object.isFrozen(preset.routing) && Object.isFrozen(preset.moeLayerIndices)).toBe(true)
    expect(() => {
      ;(preset.routing as { numExperts: number }).numExperts = 8
    }).toThrow(TypeError)
    expect(getPreset('deepseek-v3').routing.numExperts).toBe(256)
  })

  it('an EPLB window of 2^20 steps and epSize 65536 are refused before allocating', () => {
    expect(issuesOf({ ...base, steps: 2 ** 20, tokensPerStep: 1, eplb: { enabled: true, windowSize: 2 ** 20 } })).toContain(
      'eplb.windowSize: 1048576 is not allowed; expected an integer in [1, 65536]',
    )
    // The largest window over many layers and experts is refused by its memory, before the run allocates it.
    const memory = issuesOf({ ...base, preset: 'deepseek-v3', steps: 65536, tokensPerStep: 1, eplb: { enabled: true, windowSize: 65536 } })
    expect(memory).toMatch(/eplb.windowSize: Invalid eplb.windowSize × layers × experts: 973078528 exceeds the limit on elements of one buffer/)
    expect(issuesOf({ ...base, parallel: { epSize: 65536 } })).toMatch(/parallel.epSize: .*65536/)
  })
})

describe('hostile scenarios: found by the fuzz suite', () => {
  it('an invalid preset with layers = 2^53 − 1 is reported, not a RangeError from building 2^53 layer slots', () => {
    expect(issuesOf({ preset: false, layers: Number.MAX_SAFE_INTEGER })).toContain('layers: 9007199254740991 is not allowed; expected an integer in [1, 4096]')
  })
})

describe('hostile scenarios: low', () => {
  it('a 50 MB preset string is not echoed in full', () => {
    const message = issuesOf({ ...base, preset: 'x'.repeat(50 * 1024 * 1024) })
    expect(message.length).toBeLessThan(1000)
    expect(message).toContain('(52428800 characters)')
  })

  it('scenario text over the file limit is refused before parsing', () => {
    expect(issuesOf(' '.repeat(16 * 1024 * 1024 + 1))).toContain('16777217 characters exceed the limit on scenario size (at most 16777216)')
  })

  it('__proto__ and constructor keys are named, not silently dropped', () => {
    expect(issuesOf('{"preset":"qwen3-30b-a3b","strategy":"zipf","steps":1,"tokensPerStep":8,"__proto__":{"steps":5}}')).toContain('- __proto__: unknown field')
    expect(issuesOf('{"preset":"qwen3-30b-a3b","strategy":{"name":"zipf","params":{"__proto__":{"exponent":3}}},"steps":1,"tokensPerStep":8}')).toContain(
      "Unknown parameter '__proto__' for zipf",
    )
    expect(issuesOf({ ...base, eplb: JSON.parse('{"__proto__":{"enabled":true}}') })).toContain('eplb.__proto__: unknown field')
  })

  it('steps = 2^53 − 1 is refused at once with the work it would take', () => {
    expect(issuesOf({ ...base, steps: Number.MAX_SAFE_INTEGER })).toMatch(
      /steps: 9007199254740991 steps × 16 tokens × 48 layers = .* exceed the limit on steps × tokens × layers/,
    )
  })

  it('100k layerStrategies entries are refused as a whole, and a message lists at most 20 problems', () => {
    const many = Array.from({ length: 100_000 }, () => ({ layers: 0, name: 'target_gini' }))
    expect(issuesOf({ ...base, tokensPerStep: 4096, layerStrategies: many })).toContain(
      'layerStrategies: 100000 entries exceed the 48 layers (at most one entry per layer)',
    )
    const bad = Array.from({ length: 48 }, (_, i) => ({ layers: i, name: `nope_${i}` }))
    const message = issuesOf({ ...base, layerStrategies: bad })
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(20)
    expect(message).toContain('… and 28 more')
  })

  it('the same strategy on every layer is probed once', () => {
    const entries = Array.from({ length: 48 }, (_, i) => ({ layers: i, name: 'target_gini' }))
    parseScenario({ ...base, tokensPerStep: 4096, layerStrategies: entries }, { simulator })
  })
})
