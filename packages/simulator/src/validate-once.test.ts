import { InvalidArgumentError, parameterValidator } from '@routesim/core'
import { describe, expect, it, vi } from 'vitest'
import { createSimulator } from './simulator.ts'

// Parameters are validated once per call, at the boundary: the registry's schema check. The layers
// behind it (the definition's `create`, the strategy's factory, its constructor) take the resolved,
// frozen object as proof and never check it again. The spy counts every schema check of a strategy's
// parameters (one shared validator per frozen spec set).
const PARAMETERS: Record<string, Record<string, unknown>> = {
  categorical: { weights: Array.from({ length: 16 }, (_, i) => 16 - i) },
  zipf: { exponent: 1.2, layout: 'identity' },
  grouped_topk: { numExpertGroup: 4, topkGroup: 2, variant: 'hf' },
  uniform_random: { replacement: true },
  normal_routing: { mean: 0.5, std: 2 },
  sticky: { stickiness: 0.3, mode: 'decode' },
}

function spyOnChecks(simulator: ReturnType<typeof createSimulator>, name: string) {
  return vi.spyOn(parameterValidator(simulator.describeStrategy(name).parameters), 'check')
}

describe('each parameter is validated exactly once per call on the library path', () => {
  const simulator = createSimulator({ seed: 3 })

  it.each(simulator.getAvailableStrategies())('createStrategy(%s) checks its parameters once', (name) => {
    const check = spyOnChecks(simulator, name)
    const strategy = simulator.createStrategy(name, PARAMETERS[name] ?? {})
    expect(check).toHaveBeenCalledTimes(1)
    strategy.routeTokens({ shape: [16, 8] }, { data: new Float32Array(16 * 16), shape: [16, 16] }, 2)
    expect(check).toHaveBeenCalledTimes(1) // routing does not check parameters again
  })

  it('simulateRouting checks the default parameters once, when the instance is made, not per call', () => {
    const fresh = createSimulator({ seed: 4 })
    const check = spyOnChecks(fresh, 'zipf')
    for (let i = 0; i < 3; i++) fresh.simulateRouting({ shape: [8, 4] }, { shape: [8, 16] }, 'zipf', 2)
    expect(check).toHaveBeenCalledTimes(1)
  })

  it('a direct definition.create call (no registry) still checks once', () => {
    const definition = simulator.describeStrategy('zipf')
    const check = spyOnChecks(simulator, 'zipf')
    definition.create({ exponent: 2 }, { seed: 1 })
    expect(check).toHaveBeenCalledTimes(1)
  })

  it('a bad value fails that one check with the same typed error', () => {
    const check = spyOnChecks(simulator, 'zipf')
    expect(() => simulator.createStrategy('zipf', { exponent: -1 })).toThrow(InvalidArgumentError)
    expect(() => simulator.createStrategy('zipf', { exponent: -1 })).toThrow(/zipf\.exponent/)
    expect(check).toHaveBeenCalledTimes(2)
  })
})
