import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, InvalidStrategyResultError, defineStrategy, type RoutingStrategy } from '@routesim/core'
import { createSimulator, createStrategyRegistry } from '../../src/index.ts'

const hidden = (t: number) => ({ shape: [t, 16] })
const logits = (t: number, e: number) => ({ shape: [t, e] })

/** A plugin definition whose strategy returns `result(T, E, k)`. */
function pluginReturning(name: string, result: (T: number, E: number, k: number) => unknown) {
  return defineStrategy({
    name,
    description: 'returns what the test says',
    parameters: {},
    create: () => ({ routeTokens: (h, l, k) => result(h.shape[0]!, l.shape[1]!, k) as never }),
  })
}

describe('hostile: plugin results pass the result guard (they went through unchecked)', () => {
  const ids = (T: number, E: number, width: number) => Int32Array.from({ length: T * width }, (_, i) => i % E)
  const weights = (T: number, width: number) => new Float32Array(T * width).fill(1)
  const cases: [string, (T: number, E: number, k: number) => unknown, RegExp][] = [
    [
      'k+1 ids per token',
      (T, E, k) => [
        { data: weights(T, k + 1), shape: [T, k + 1] },
        { data: ids(T, E, k + 1), shape: [T, k + 1] },
      ],
      /ids.shape is \[64,9\], not \[64, 8\]|weights.shape/,
    ],
    [
      'T·k − k ids',
      (T, E, k) => [
        { data: weights(T, k), shape: [T, k] },
        { data: ids(T - 1, E, k), shape: [T - 1, k] },
      ],
      /ids.shape is \[63,8\]/,
    ],
    [
      'NaN weights',
      (T, E, k) => [
        { data: new Float32Array(T * k).fill(Number.NaN), shape: [T, k] },
        { data: ids(T, E, k), shape: [T, k] },
      ],
      /weight NaN/,
    ],
    [
      'ids ≥ E',
      (T, E, k) => [
        { data: weights(T, k), shape: [T, k] },
        { data: new Int32Array(T * k).fill(E), shape: [T, k] },
      ],
      /expert id 256/,
    ],
    [
      'ids < 0',
      (T, _E, k) => [
        { data: weights(T, k), shape: [T, k] },
        { data: new Int32Array(T * k).fill(-3), shape: [T, k] },
      ],
      /expert id -3/,
    ],
    [
      'Float64 ids',
      (T, E, k) => [
        { data: weights(T, k), shape: [T, k] },
        { data: Float64Array.from(ids(T, E, k)), shape: [T, k] },
      ],
      /Float64Array, not Int32Array/,
    ],
    ['undefined', () => undefined, /undefined instead of/],
    [
      'a Promise',
      (T, E, k) =>
        Promise.resolve([
          { data: weights(T, k), shape: [T, k] },
          { data: ids(T, E, k), shape: [T, k] },
        ]),
      /a Promise/,
    ],
  ]
  it.each(cases)('%s → InvalidStrategyResultError naming strategy and plugin', (_, result, problem) => {
    const simulator = createSimulator({ seed: 1 })
    simulator.registerStrategy('bad_plugin', pluginReturning('bad_plugin', result), { plugin: 'routesim-strategy-bad' })
    const run = () => simulator.simulateRouting(hidden(64), logits(64, 256), 'bad_plugin', 8)
    expect(run).toThrow(InvalidStrategyResultError)
    expect(run).toThrow(problem)
    expect(run).toThrow(/Strategy 'bad_plugin' \(from plugin "routesim-strategy-bad"\)/)
  })

  it('a plugin returning k+1 ids can no longer report mean load 12 instead of 8', () => {
    const simulator = createSimulator()
    simulator.registerStrategy(
      'liar',
      pluginReturning('liar', (T, E, k) => [
        { data: weights(T, k + 1), shape: [T, k] },
        { data: ids(T, E, k + 1), shape: [T, k] },
      ]),
    )
    expect(() => simulator.simulateRouting(hidden(256), logits(256, 256), 'liar', 8)).toThrow(/weights.data has 2304 values, not T·k = 2048/)
  })

  it('guards the async path, createStrategy, and instances; names the plugin carried by the definition', async () => {
    const simulator = createSimulator()
    const definition = { ...pluginReturning('p', () => undefined), plugin: 'from-definition' }
    simulator.registerStrategy('p', definition)
    await expect(simulator.simulateRoutingAsync(hidden(2), logits(2, 4), 'p', 1)).rejects.toThrow(/from plugin "from-definition"/)
    expect(() => simulator.createStrategy('p').routeTokens(hidden(2), logits(2, 4), 1)).toThrow(InvalidStrategyResultError)
    const instance: RoutingStrategy = { routeTokens: () => null as never }
    simulator.registerStrategy('inst', instance)
    expect(() => simulator.simulateRouting(hidden(2), logits(2, 4), 'inst', 1)).toThrow(/Strategy 'inst' returned an invalid result: null/)
  })

  it('distinctness is checked where the plugin promises it', () => {
    const simulator = createSimulator()
    const dup = {
      ...pluginReturning('dup', (T, _E, k) => [
        { data: weights(T, k), shape: [T, k] },
        { data: new Int32Array(T * k), shape: [T, k] },
      ]),
      distinctIds: true,
    }
    simulator.registerStrategy('dup', dup)
    expect(() => simulator.simulateRouting(hidden(2), logits(2, 4), 'dup', 2)).toThrow(/expert 0 twice for token 0/)
  })

  it('a correct plugin passes, and built-ins give the same results as before (not wrapped)', () => {
    const simulator = createSimulator({ seed: 3 })
    simulator.registerStrategy(
      'good',
      pluginReturning('good', (T, E, k) => [
        { data: weights(T, k), shape: [T, k] },
        { data: ids(T, E, k), shape: [T, k] },
      ]),
    )
    const [, good] = simulator.simulateRouting(hidden(64), logits(64, 256), 'good', 8)
    // 64 tokens × 8 slots over 256 experts: mean load 2.
    expect(good.data.length / 256).toBe(2)
    expect(simulator.registry.get('uniform_random').builtIn).toBe(true)
    expect(simulator.registry.get('good').builtIn).toBe(false)
  })
})

describe('hostile: no shared mutable state between simulators', () => {
  it("editing describeStrategy('zipf').create or a parameter default on one simulator changes no other", () => {
    const a = createSimulator({ seed: 1 })
    const b = createSimulator({ seed: 1 })
    const described = a.describeStrategy('zipf')
    expect(() => {
      ;(described as { create: unknown }).create = () => null
    }).toThrow(TypeError)
    expect(() => {
      ;(described.parameters['exponent'] as { default: unknown }).default = 9
    }).toThrow(TypeError)
    expect(() => {
      ;(described.parameters as Record<string, unknown>)['extra'] = {}
    }).toThrow(TypeError)
    expect(a.describeStrategy('zipf')).not.toBe(b.describeStrategy('zipf'))
    expect(b.describeStrategy('zipf').parameters['exponent']!.default).toBe(1)
    const first = a.simulateRouting(hidden(32), logits(32, 64), 'zipf', 4)
    const second = b.simulateRouting(hidden(32), logits(32, 64), 'zipf', 4)
    expect(first[1].data).toEqual(second[1].data)
  })

  it('createSimulator({ sed: 5 }) and other unknown or ill-typed options are typed errors', () => {
    expect(() => createSimulator({ sed: 5 } as never)).toThrow("Unknown option 'sed' for createSimulator. Known options: [seed, backend, builtIns, threads].")
    expect(() => createSimulator({ backend: 'wasm' } as never)).toThrow(/Invalid createSimulator options.backend: "wasm"/)
    expect(() => createSimulator({ builtIns: 'no' } as never)).toThrow(InvalidArgumentError)
    expect(() => createSimulator(null as never)).toThrow(InvalidArgumentError)
  })
})

describe('hostile: strategy names are printable', () => {
  it.each(['evil\nname', 'red\u001b[31m', 'tab\there', 'bidi\u202eeman', 'x'.repeat(129)])('%j is refused at registration', (name) => {
    const registry = createStrategyRegistry()
    expect(() =>
      registry.register(
        name,
        pluginReturning('ok', () => undefined),
      ),
    ).toThrow(InvalidArgumentError)
  })

  it('a definition whose own name carries escapes is registered only under a clean name', () => {
    const simulator = createSimulator()
    const definition = pluginReturning('clean', () => undefined)
    simulator.registerStrategy('clean_name', { ...definition, name: 'evil\u001b[2J' })
    expect(simulator.describeStrategy('clean_name').name).toBe('clean_name')
    expect(() => simulator.registerStrategy('p2', definition, { plugin: 'bad\nplugin' })).toThrow(/Invalid plugin/)
  })
})
