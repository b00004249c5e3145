import { InvalidArgumentError } from '@routesim/core'
import { createSimulator, type Simulator } from '@routesim/simulator'
import type { StrategyResolver } from '../loop/run-scenario.ts'
import type { StrategyCatalog } from './scenario.ts'
import { createDefinitionCatalog } from './strategy-catalog.ts'

/** The names and definitions `parseScenario` checks a scenario's strategies against: the simulator's registry. */
export function strategyCatalogOf(simulator: Simulator): StrategyCatalog {
  return {
    names: simulator.getAvailableStrategies(),
    definition: (name) => (simulator.hasStrategy(name) ? simulator.describeStrategy(name) : undefined),
  }
}

/**
 * The simulator's registry (built-ins in registration order, plus anything registered on `simulator`).
 * @deprecated Pass the simulator itself: `parseScenario(json, { simulator })` and
 * `runScenario(scenario, { simulator, backend })` take strategies from its registry and route through it.
 */
export function createSimulatorCatalog(simulator: Simulator = createSimulator()): StrategyCatalog & { resolve: StrategyResolver } {
  if (typeof simulator?.getAvailableStrategies !== 'function')
    throw new InvalidArgumentError({ parameter: 'simulator', value: simulator, allowed: 'a Simulator from createSimulator' })
  return createDefinitionCatalog(simulator.getAvailableStrategies().map((name) => simulator.describeStrategy(name)))
}
