import { describe, expect, it } from 'vitest'
import { indexArrayToInt32 } from '@routesim/core'
import { DistributionBasedRouting, RoutingSimulator, createSimulator, routeAndMeasure } from '../src/index.ts'

// The README's examples, run as written (smaller T), so the documentation cannot drift from the code.
describe('README examples', () => {
  it('route tokens, register custom strategies, replay a run', () => {
    const simulator = createSimulator({ seed: 42 })
    expect(simulator.getAvailableStrategies().slice(0, 3)).toEqual(['uniform_random', 'normal_routing', 'softmax_topk'])
    const hiddenStates = { shape: [512, 7168] }
    const routerLogits = { shape: [512, 256] }
    const [weights, ids] = simulator.simulateRouting(hiddenStates, routerLogits, 'uniform_random', 8)
    expect(weights.data.every((w) => w === 1)).toBe(true)
    expect(ids.data).toBeInstanceOf(Int32Array)
    const plain = indexArrayToInt32(ids.data)
    for (let t = 0; t < 512; t++) expect(new Set(plain.subarray(t * 8, t * 8 + 8)).size).toBe(8)
    expect(simulator.simulateRouting(hiddenStates, routerLogits, 'normal_routing', 8, 'int64')[1].data).toBeInstanceOf(BigInt64Array)
    simulator.registerStrategy('custom_normal', new DistributionBasedRouting('normal', { mean: 2, std: 0.5 }))
    simulator.registerStrategy('zipf_hot', simulator.createStrategy('zipf', { exponent: 1.2 }))
    expect(simulator.getAvailableStrategies().slice(-2)).toEqual(['custom_normal', 'zipf_hot'])

    const saved = simulator.getState()
    const a = simulator.simulateRouting(hiddenStates, routerLogits, 'normal_routing', 8)
    simulator.setState(saved)
    expect(simulator.simulateRouting(hiddenStates, routerLogits, 'normal_routing', 8)).toEqual(a)
  })

  it('the static facade', () => {
    RoutingSimulator.reset()
    expect(RoutingSimulator.getAvailableStrategies().slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])
    expect(() => RoutingSimulator.simulateRouting({ shape: [4, 1] }, { shape: [4, 16] }, 'nope', 8)).toThrow(
      /^Unknown routing strategy: nope\. Available strategies: \['uniform_random', /,
    )
    RoutingSimulator.reset()
  })

  it('route and measure one layer', async () => {
    const m = await routeAndMeasure(createSimulator({ seed: 1 }), {
      strategy: 'zipf',
      params: { exponent: 1.2 },
      tokens: 4096,
      experts: 256,
      topK: 8,
      seed: 1,
      epSize: 32,
    })
    expect(m.counts.reduce((a, b) => a + b, 0)).toBe(4096 * 8)
    expect(m.summary.maxOverMean).toBeGreaterThan(1)
    expect(m.ranks?.loads.length).toBe(32)
    expect(m.ranks!.balancedness).toBeGreaterThan(0)
    expect(m.ranks!.balancedness).toBeLessThanOrEqual(1)
    expect(m.duplicateIdRate).toBe(0)
    expect(m.ranOn).toBe('reference')
  })
})
