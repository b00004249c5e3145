import type { StrategyDefinition } from '@routesim/core'
import { routerDefinitions } from '@routesim/routers'
import { strategyDefinitions } from '@routesim/strategies'
import { builtInDefinitions } from './built-in-definitions.ts'

/** The definitions every thread can build by name (the worker script's table): the built-ins, in registry order. */
export const WORKER_DEFINITIONS: readonly StrategyDefinition[] = [...builtInDefinitions, ...routerDefinitions, ...strategyDefinitions]
