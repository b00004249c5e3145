import { defineStrategy, resolveParameters } from '@routesim/core'
import type { ParameterSpecs, RoutingStrategy, Seed, StrategyDefinition } from '@routesim/core'

/** A synthetic strategy's definition plus a direct factory that validates like the registry does. */
export interface SyntheticDefinition<S extends RoutingStrategy> extends StrategyDefinition {
  create(parameters: Record<string, unknown>, options: { seed?: Seed }): S
}

export function defineSynthetic<S extends RoutingStrategy>(definition: {
  name: string
  description: string
  parameters: ParameterSpecs
  source: string
  formula: string
  usesLogits?: boolean
  build(parameters: Record<string, unknown>, seed: Seed | undefined): S
}): SyntheticDefinition<S> {
  const { build, ...rest } = definition
  return defineStrategy({
    ...rest,
    usesLogits: definition.usesLogits ?? false,
    // The registry validates before create; validating again keeps direct calls just as safe.
    create: (parameters: Record<string, unknown>, options: { seed?: Seed }) =>
      build(resolveParameters(definition.name, definition.parameters, parameters), options?.seed),
  }) as SyntheticDefinition<S>
}

/** `createXStrategy(params, { seed })` for a definition. */
export function factoryOf<S extends RoutingStrategy>(definition: SyntheticDefinition<S>) {
  return (parameters: Record<string, unknown> = {}, options: { seed?: Seed } = {}): S => definition.create(parameters, options)
}
