import type { RoutingStrategy, StrategyDefinition } from '@routesim/core'
import { routerDefinitions } from '@routesim/routers'
import { strategyDefinitions } from '@routesim/strategies'
import { builtInDefinitions } from './built-in-definitions.ts'
import { DistributionBasedRouting } from './distribution-based-routing.ts'

// The built-ins, whose results the conformance suites check, so the registry skips the result guard
// for them (and for the instances they create) in hot paths. Everything else is guarded.
const trustedDefinitions = new WeakSet<object>([...builtInDefinitions, ...routerDefinitions, ...strategyDefinitions])
const trustedInstances = new WeakSet<object>()

export function isTrustedDefinition(definition: StrategyDefinition): boolean {
  return trustedDefinitions.has(definition)
}

export function isTrustedInstance(strategy: RoutingStrategy): boolean {
  return strategy instanceof DistributionBasedRouting || trustedInstances.has(strategy)
}

/** Records an instance a built-in definition created, so registering it later is not guarded either. */
export function trustInstance<S extends RoutingStrategy>(strategy: S): S {
  if (typeof strategy === 'object' && strategy !== null) trustedInstances.add(strategy)
  return strategy
}
