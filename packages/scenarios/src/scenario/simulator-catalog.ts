import { createSimulator, type Simulator } from '@routesim/simulator'
import type { StrategyResolver } from '../loop/run-scenario.ts'
import type { StrategyCatalog } from './scenario.ts'
import { createDefinitionCatalog } from './strategy-catalog.ts'

/** The simulator's registry (built-ins in registration order, plus anything registered on `simulator`). */
export function createSimulatorCatalog(simulator: Simulator = createSimulator()): StrategyCatalog & { resolve: StrategyResolver } {
  return createDefinitionCatalog(simulator.getAvailableStrategies().map((name) => simulator.describeStrategy(name)))
}
