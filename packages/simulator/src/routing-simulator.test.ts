import { afterEach, describe, expect, it } from 'vitest'
import { DuplicateStrategyError, UnknownStrategyError, indexArrayToInt32 } from '@routesim/core'
import { RoutingSimulator } from './routing-simulator.ts'
import { DistributionBasedRouting } from './distribution-based-routing.ts'
import { createSimulator } from './simulator.ts'

describe('RoutingSimulator (the seed static facade)', () => {
  afterEach(() => RoutingSimulator.reset())

  it("lists the built-ins starting ['uniform_random', 'normal_routing'], as a fresh createSimulator does", () => {
    expect(RoutingSimulator.getAvailableStrategies().slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])
    expect(RoutingSimulator.getAvailableStrategies()).toEqual(createSimulator().getAvailableStrategies())
  })

  it('test_instance_compatibility: static simulateRouting, T = 10, E = 4, k = 2', () => {
    const [w, ids] = RoutingSimulator.simulateRouting({ shape: [10, 32] }, { shape: [10, 4] }, 'uniform_random', 2)
    expect(w.shape).toEqual([10, 2])
    expect(ids.shape).toEqual([10, 2])
    expect(indexArrayToInt32(ids.data).every((v) => v >= 0 && v < 4)).toBe(true)
  })

  it('registers into the one default registry; reset() drops it; createSimulator() never sees it', () => {
    RoutingSimulator.registerStrategy('custom_normal', new DistributionBasedRouting('normal', { mean: 2, std: 0.5 }))
    expect(RoutingSimulator.getAvailableStrategies()).toContain('custom_normal')
    expect(RoutingSimulator.getDefaultSimulator().hasStrategy('CUSTOM_NORMAL')).toBe(true)
    expect(createSimulator().hasStrategy('custom_normal')).toBe(false)
    expect(() => RoutingSimulator.registerStrategy('custom_normal', new DistributionBasedRouting())).toThrow(DuplicateStrategyError)
    RoutingSimulator.reset()
    expect(RoutingSimulator.getAvailableStrategies()).not.toContain('custom_normal')
  })

  it('unknown names raise the seed message', () => {
    expect(() => RoutingSimulator.simulateRouting({ shape: [1, 1] }, { shape: [1, 4] }, 'missing', 1)).toThrow(UnknownStrategyError)
    expect(() => RoutingSimulator.simulateRouting({ shape: [1, 1] }, { shape: [1, 4] }, 'missing', 1)).toThrow(
      /^Unknown routing strategy: missing\. Available strategies: \['uniform_random', 'normal_routing'/,
    )
  })

  it('is deterministic from seed 0: the default simulator replays after reset()', () => {
    const first = RoutingSimulator.simulateRouting({ shape: [16, 1] }, { shape: [16, 32] }, 'normal_routing', 4)
    RoutingSimulator.reset()
    expect(RoutingSimulator.simulateRouting({ shape: [16, 1] }, { shape: [16, 32] }, 'normal_routing', 4)).toEqual(first)
  })
})
