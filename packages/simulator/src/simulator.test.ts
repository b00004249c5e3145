import { describe, expect, it } from 'vitest'
import {
  DuplicateStrategyError,
  InfeasibleTargetError,
  InvalidArgumentError,
  RoutesimError,
  UnknownStrategyError,
  createPrng,
  indexArrayToInt32,
  isStrategyDefinition,
} from '@routesim/core'
import type { KernelBackend, RoutingStrategy, ShapedInput, StrategyDefinition, Tensor } from '@routesim/core'
import { routerDefinitions } from '@routesim/routers'
import { strategyDefinitions } from '@routesim/strategies'
import { createSimulator } from './simulator.ts'
import { DistributionBasedRouting } from './distribution-based-routing.ts'

function logits(t: number, e: number, seed = 0): Tensor<Float32Array> {
  const prng = createPrng(seed, 'test-logits')
  const data = new Float32Array(t * e)
  for (let i = 0; i < data.length; i++) data[i] = prng.nextNormal()
  return { data, shape: [t, e] }
}

const hidden = (t: number, h = 64): ShapedInput => ({ shape: [t, h] })

describe('createSimulator: built-ins', () => {
  it("registers uniform_random, normal_routing, then the routers' and strategies' definitions, in order", () => {
    const names = createSimulator().getAvailableStrategies()
    expect(names.slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])
    expect(names).toEqual(['uniform_random', 'normal_routing', ...routerDefinitions.map((d) => d.name), ...strategyDefinitions.map((d) => d.name)])
    expect(names).toEqual(expect.arrayContaining(['softmax_topk', 'sigmoid_topk', 'grouped_topk', 'llama4_topk']))
  })

  it('describes every strategy with a one-line description and parameter specs', () => {
    const simulator = createSimulator()
    for (const name of simulator.getAvailableStrategies()) {
      const definition = simulator.describeStrategy(name)
      expect(isStrategyDefinition(definition)).toBe(true)
      expect(definition.name).toBe(name)
      expect(definition.description).not.toMatch(/\n/)
    }
  })
})

// The seed's test_basic_functionality, for every registered strategy. Two kinds of refusal are
// allowed, both typed: a definition with a required parameter (no default instance exists) and a
// target-metric strategy whose target no assignment of so few tokens can reach.
function requiredParameters(definition: StrategyDefinition): string[] {
  return Object.entries(definition.parameters)
    .filter(([, spec]) => spec.default === undefined && spec.optional !== true)
    .map(([key]) => key)
}

describe('the seed test grid: every strategy, T ∈ {1, 16, 256}, H ∈ {64, 1024}, E ∈ {16, 128}, k ∈ {1, 4}', () => {
  const simulator = createSimulator({ seed: 1 })
  describe.each(simulator.getAvailableStrategies())('%s', (name) => {
    const required = requiredParameters(simulator.describeStrategy(name))
    if (required.length > 0) {
      it(`needs ${required.join(', ')}: routing its default instance is a typed InvalidArgumentError`, () => {
        const run = () => simulator.simulateRouting(hidden(4), logits(4, 16), name, 2)
        expect(run).toThrow(InvalidArgumentError)
        expect(run).toThrow(new RegExp(`Invalid ${name}\\.${required[0]}`))
      })
      return
    }
    it('returns [T, k] weights and ids with 0 ≤ id < E', () => {
      let routed = 0
      for (const t of [1, 16, 256]) {
        for (const h of [64, 1024]) {
          for (const e of [16, 128]) {
            for (const k of [1, 4]) {
              let result
              try {
                result = simulator.simulateRouting(hidden(t, h), logits(t, e, t + e + k), name, k)
              } catch (error) {
                if (InfeasibleTargetError.isInstance(error)) continue
                throw error
              }
              const [weights, ids] = result
              expect(weights.shape).toEqual([t, k])
              expect(ids.shape).toEqual([t, k])
              expect(weights.data).toBeInstanceOf(Float32Array)
              const plain = indexArrayToInt32(ids.data)
              expect(plain.length).toBe(t * k)
              expect(Math.min(...plain)).toBeGreaterThanOrEqual(0)
              expect(Math.max(...plain)).toBeLessThan(e)
              routed++
            }
          }
        }
      }
      expect(routed).toBeGreaterThanOrEqual(name === 'uniform_random' || name === 'normal_routing' ? 24 : 8)
    })

    it('draws only from the simulator stream: restoring its state replays the call byte for byte', () => {
      const l = logits(256, 128, 5)
      const route = () => {
        try {
          return simulator.simulateRouting(hidden(256), l, name, 4, 'int64')
        } catch (error) {
          if (InfeasibleTargetError.isInstance(error)) return undefined
          throw error
        }
      }
      const saved = simulator.getState()
      const first = route()
      const after = simulator.getState()
      simulator.setState(saved)
      expect(route()).toEqual(first)
      expect(simulator.getState()).toEqual(after)
    })
  })
})

describe('createSimulator: the seed tests re-created', () => {
  it('custom normal strategy (mean 2, std 0.5): T = 60, E = 6, k = 3', () => {
    const simulator = createSimulator()
    simulator.registerStrategy('custom_normal', new DistributionBasedRouting('normal', { mean: 2.0, std: 0.5 }))
    expect(simulator.getAvailableStrategies()).toContain('custom_normal')
    const [w, ids] = simulator.simulateRouting(hidden(60), { shape: [60, 6] }, 'custom_normal', 3)
    expect(w.shape).toEqual([60, 3])
    expect(ids.shape).toEqual([60, 3])
    const plain = indexArrayToInt32(ids.data)
    expect(plain.every((v) => v >= 0 && v < 6)).toBe(true)
    // What the seed never checked: rows sum to 1, and mean 2 skews load to the top experts.
    for (let r = 0; r < 60; r++) expect(w.data[r * 3]! + w.data[r * 3 + 1]! + w.data[r * 3 + 2]!).toBeCloseTo(1, 5)
    expect(plain.filter((v) => v >= 4).length).toBeGreaterThan(plain.length / 2)
  })

  it('instance compatibility: T = 10, E = 4, k = 2 through each built-in', () => {
    const simulator = createSimulator()
    for (const name of ['uniform_random', 'normal_routing']) {
      const [w, ids] = simulator.simulateRouting(hidden(10), { shape: [10, 4] }, name, 2)
      expect(w.shape).toEqual([10, 2])
      expect(ids.shape).toEqual([10, 2])
    }
  })
})

describe('createSimulator: beyond the seed', () => {
  it('uniform_random gives distinct experts with all-ones weights; normal_routing rows sum to 1', () => {
    const simulator = createSimulator({ seed: 2 })
    const [w, ids] = simulator.simulateRouting(hidden(500), { shape: [500, 16] }, 'uniform_random', 8)
    const plain = indexArrayToInt32(ids.data)
    for (let r = 0; r < 500; r++) expect(new Set(plain.subarray(r * 8, r * 8 + 8)).size).toBe(8)
    expect(w.data.every((v) => v === 1)).toBe(true)
    const [nw] = simulator.simulateRouting(hidden(500), { shape: [500, 16] }, 'normal_routing', 8)
    for (let r = 0; r < 500; r++) expect(nw.data.subarray(r * 8, r * 8 + 8).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5)
  })

  it.each([
    ['int32', Int32Array],
    ['uint32', Uint32Array],
    ['int64', BigInt64Array],
    [undefined, Int32Array],
  ] as const)('ids of dtype %s are a %o', (dtype, type) => {
    const [, ids] = createSimulator().simulateRouting(hidden(4), { shape: [4, 8] }, 'normal_routing', 2, dtype)
    expect(ids.data).toBeInstanceOf(type)
  })

  it('same seed ⇒ byte-identical runs; successive calls continue the stream; seeds differ', () => {
    const run = (seed: number) => {
      const simulator = createSimulator({ seed })
      return [0, 1, 2].map(() => simulator.simulateRouting(hidden(64), { shape: [64, 32] }, 'uniform_random', 4))
    }
    const a = run(7)
    expect(run(7)).toEqual(a)
    expect(a[1]).not.toEqual(a[0])
    expect(run(8)[0]).not.toEqual(a[0])
  })

  it('getState/setState: restoring the state repeats the next outputs exactly, across strategies', () => {
    const simulator = createSimulator({ seed: 3 })
    simulator.simulateRouting(hidden(10), { shape: [10, 16] }, 'normal_routing', 4)
    const saved = JSON.parse(JSON.stringify(simulator.getState()))
    const next = [
      simulator.simulateRouting(hidden(32), { shape: [32, 16] }, 'uniform_random', 4),
      simulator.simulateRouting(hidden(32), { shape: [32, 16] }, 'normal_routing', 4),
    ]
    simulator.setState(saved)
    expect(simulator.simulateRouting(hidden(32), { shape: [32, 16] }, 'uniform_random', 4)).toEqual(next[0])
    expect(simulator.simulateRouting(hidden(32), { shape: [32, 16] }, 'normal_routing', 4)).toEqual(next[1])
  })

  it('registries are isolated: a registration in one simulator never leaks into another', () => {
    const a = createSimulator()
    const b = createSimulator()
    a.registerStrategy('custom_normal', new DistributionBasedRouting('normal', { mean: 2, std: 0.5 }))
    expect(a.hasStrategy('custom_normal')).toBe(true)
    expect(b.hasStrategy('custom_normal')).toBe(false)
    expect(createSimulator().getAvailableStrategies()).not.toContain('custom_normal')
  })

  it('names are case-insensitive: registered and looked up in any case, listed lower-cased', () => {
    const simulator = createSimulator()
    simulator.registerStrategy('My_Strategy', new DistributionBasedRouting('normal'))
    expect(simulator.getAvailableStrategies()).toContain('my_strategy')
    expect(() => simulator.simulateRouting(hidden(2), { shape: [2, 4] }, 'MY_STRATEGY', 1)).not.toThrow()
    expect(() => simulator.simulateRouting(hidden(2), { shape: [2, 4] }, 'Uniform_Random', 1)).not.toThrow()
  })

  it('duplicate registration is an error unless { replace: true }', () => {
    const simulator = createSimulator()
    const replacement = new DistributionBasedRouting('normal', { mean: 1 })
    expect(() => simulator.registerStrategy('uniform_random', replacement)).toThrow(DuplicateStrategyError)
    simulator.registerStrategy('UNIFORM_RANDOM', replacement, { replace: true })
    expect(simulator.getStrategy('uniform_random')).toBe(replacement)
    expect(simulator.getAvailableStrategies()[0]).toBe('uniform_random')
  })

  it('unknown strategy ⇒ the seed message listing what is available', () => {
    const simulator = createSimulator()
    const run = () => simulator.simulateRouting(hidden(2), { shape: [2, 4] }, 'nope', 1)
    expect(run).toThrow(UnknownStrategyError)
    expect(run).toThrow(/^Unknown routing strategy: nope\. Available strategies: \['uniform_random', 'normal_routing', /)
  })

  it('createStrategy validates parameters through the definition', () => {
    const simulator = createSimulator({ seed: 4 })
    const strategy = simulator.createStrategy('normal_routing', { mean: 2, std: 0.5, distinct: true })
    expect((strategy as DistributionBasedRouting).getDistributionInfo().parameters).toMatchObject({ mean: 2, std: 0.5, distinct: true })
    expect(() => simulator.createStrategy('uniform_random', { weights: 'sum' })).toThrow(RoutesimError)
  })

  it('simulateRoutingAsync routes on the backend through routeTokensOn, else falls back to routeTokens', async () => {
    const calls: string[] = []
    const backend = { name: 'spy', mode: 'spy' } as unknown as KernelBackend
    const onBackend: RoutingStrategy = {
      routeTokens: () => {
        throw new Error('sync path taken')
      },
      routeTokensOn: async (b, h, l, k, dtype, context) => {
        calls.push(`${b.name}:${k}:${dtype}:${context?.prng ? 'prng' : '-'}:${context?.layer}`)
        return [
          { data: new Float32Array(0), shape: [0, k] },
          { data: new BigInt64Array(0), shape: [0, k] },
        ]
      },
    }
    const simulator = createSimulator({ backend })
    expect(simulator.backend).toBe(backend)
    simulator.registerStrategy('spy', onBackend)
    await simulator.simulateRoutingAsync(hidden(0), { shape: [0, 4] }, 'spy', 2, 'int64', { layer: 3 })
    expect(calls).toEqual(['spy:2:int64:prng:3'])
    const sync = createSimulator({ seed: 5 })
    const asyncResult = await createSimulator({ seed: 5 }).simulateRoutingAsync(hidden(16), { shape: [16, 8] }, 'uniform_random', 2)
    expect(asyncResult).toEqual(sync.simulateRouting(hidden(16), { shape: [16, 8] }, 'uniform_random', 2))
  })

  it('real routers read the logits: same logits ⇒ same ids regardless of seed', () => {
    const l = logits(32, 16)
    const a = createSimulator({ seed: 1 }).simulateRouting(hidden(32), l, 'softmax_topk', 2)
    const b = createSimulator({ seed: 2 }).simulateRouting(hidden(32), l, 'softmax_topk', 2)
    expect(a).toEqual(b)
  })
})
