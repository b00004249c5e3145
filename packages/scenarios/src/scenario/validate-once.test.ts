import { parameterValidator } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import { describe, expect, it, vi } from 'vitest'
import { runScenario } from '../loop/run-scenario.ts'
import { parseScenario } from './parse-scenario.ts'

// The scenario path: parseScenario resolves each strategy's parameters once (the strategy's schema);
// the probe, and every layer and step of the run, take the resolved object and never check it again.
describe('each parameter is validated exactly once on the scenario path', () => {
  it('parseScenario + runScenario over layers and steps check a strategy’s parameters once', async () => {
    const simulator = createSimulator({ seed: 5 })
    const check = vi.spyOn(parameterValidator(simulator.describeStrategy('zipf').parameters), 'check')
    const scenario = parseScenario(
      { preset: 'mixtral', layers: 4, tokensPerStep: 64, steps: 3, strategy: { name: 'zipf', params: { exponent: 1.3 } } },
      { simulator },
    )
    expect(check).toHaveBeenCalledTimes(1)
    const summary = await runScenario(scenario, { simulator })
    expect(summary.steps).toBe(3)
    expect(check).toHaveBeenCalledTimes(1)
  })

  it('two strategies are checked once each, however many layers share them', () => {
    const simulator = createSimulator({ seed: 5 })
    const zipf = vi.spyOn(parameterValidator(simulator.describeStrategy('zipf').parameters), 'check')
    const sticky = vi.spyOn(parameterValidator(simulator.describeStrategy('sticky').parameters), 'check')
    parseScenario(
      {
        preset: 'mixtral',
        tokensPerStep: 16,
        steps: 1,
        strategy: 'zipf',
        layerStrategies: [{ layers: '0-15', name: 'sticky', params: { stickiness: 0.4 } }],
      },
      { simulator },
    )
    expect(zipf).toHaveBeenCalledTimes(1)
    expect(sticky).toHaveBeenCalledTimes(1)
  })
})
