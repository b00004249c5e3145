import { InvalidArgumentError, UnknownStrategyError, type StrategyDefinition } from '@routesim/core'
import type { StrategyResolver } from '../loop/run-scenario.ts'
import type { StrategyCatalog } from './scenario.ts'

/**
 * A catalog and a resolver over a fixed list of strategy definitions (later names win, like registration).
 * @deprecated Register the definitions on a simulator (`createSimulator().registerStrategy`) and pass it:
 * `parseScenario(json, { simulator })`, `runScenario(scenario, { simulator })`.
 */
export function createDefinitionCatalog(definitions: readonly StrategyDefinition[]): StrategyCatalog & { resolve: StrategyResolver } {
  if (!Array.isArray(definitions)) throw new InvalidArgumentError({ parameter: 'definitions', value: definitions, allowed: 'a list of strategy definitions' })
  const byName = new Map<string, StrategyDefinition>()
  for (const d of definitions) byName.set(d.name, d)
  const names = [...byName.keys()]
  return {
    names,
    definition: (name) => byName.get(name),
    resolve(choice, _layer, seed) {
      const definition = byName.get(choice.name)
      if (!definition) throw new UnknownStrategyError({ strategyName: choice.name, availableStrategies: names })
      return { strategy: definition.create(choice.params, { seed }), usesLogits: definition.usesLogits === true }
    },
  }
}
