import { describeStrategyConformance } from '@routesim/testing'
import { resolveParameters } from '@routesim/core'
import { createSimulator } from './simulator.ts'

// The built-ins as the simulator registers them, created through their definitions.
const simulator = createSimulator()
const viaDefinition = (name: string, params: Record<string, unknown> = {}) => {
  const definition = simulator.describeStrategy(name)
  return ({ seed }: { seed: string | number | bigint }) => definition.create(resolveParameters(name, definition.parameters, params), { seed })
}

describeStrategyConformance('uniform_random', viaDefinition('uniform_random'), { distinct: true, weightSum: 'k' })
describeStrategyConformance('uniform_random (replacement)', viaDefinition('uniform_random', { replacement: true }), { weightSum: 'k' })
describeStrategyConformance('uniform_random (weights mean)', viaDefinition('uniform_random', { weights: 'mean' }), { distinct: true, weightSum: 'one' })
describeStrategyConformance('normal_routing', viaDefinition('normal_routing'), { weightSum: 'one' })
describeStrategyConformance('normal_routing (distinct)', viaDefinition('normal_routing', { distinct: true }), { distinct: true, weightSum: 'one' })
