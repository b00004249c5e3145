import { defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { ParameterSpecs, ParametersOf, RoutingStrategy, Seed, StrategyDefinition } from '@routesim/core'

/** A synthetic strategy's definition plus a direct factory that validates like the registry does. */
export interface SyntheticDefinition<S extends RoutingStrategy> extends StrategyDefinition {
  create(parameters: Record<string, unknown>, options: { seed?: Seed }): S
}

/**
 * Defines a synthetic strategy whose `build` gets its parameters typed by their specs (`p.exponent` is a
 * number, `p.layout` one of its values) and validated exactly once: the registry resolves them against
 * the same frozen specs, so `create` passes them through; a direct `create` call validates them here.
 */
export function defineSynthetic<const P extends ParameterSpecs, S extends RoutingStrategy>(definition: {
  name: string
  description: string
  parameters: P
  source: string
  formula: string
  usesLogits?: boolean
  build(parameters: ParametersOf<P>, seed: Seed | undefined): S
}): SyntheticDefinition<S> {
  const { build, ...rest } = definition
  const parameters = defineParameters(definition.parameters)
  return defineStrategy({
    ...rest,
    parameters,
    usesLogits: definition.usesLogits ?? false,
    create: (given: Record<string, unknown>, options: { seed?: Seed }) => build(resolveParameters(definition.name, parameters, given), options?.seed),
  }) as SyntheticDefinition<S>
}

/** `createXStrategy(params, { seed })` for a definition. */
export function factoryOf<S extends RoutingStrategy>(definition: SyntheticDefinition<S>) {
  return (parameters: Record<string, unknown> = {}, options: { seed?: Seed } = {}): S => definition.create(parameters, options)
}
