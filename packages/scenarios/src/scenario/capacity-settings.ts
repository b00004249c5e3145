import { defineParameters } from '@routesim/core'
import type { ParameterSpecs, ParametersOf } from '@routesim/core'

/**
 * The capacity policies a scenario may evaluate drops with, and their parameters (anchors §b.11).
 * Capacity factors are strictly positive: Tutel's "negative factor = capped dynamic" trick is spelled
 * as `mode: 'capped'` here, so a negative number is always a mistake.
 */
const SPECS = {
  megatron: defineParameters({
    capacityFactor: { type: 'number', description: 'capacity = ceil(T·k/E · cf)', min: 0, exclusiveMin: true },
    minCapacity: { type: 'integer', description: 'Floor on the capacity (Megatron `min_capacity`)', min: 0, optional: true },
  }),
  deepspeed: defineParameters({
    capacityFactor: { type: 'number', description: 'capacity = ceil(T/E · k · cf) (top-1/top-2/top-k)', min: 0, exclusiveMin: true },
    minCapacity: { type: 'integer', description: 'Floor on the capacity (DeepSpeed `min_capacity`)', min: 0, default: 4 },
    dropTokens: { type: 'boolean', description: 'false = capacity grows to the busiest expert (no drops)', default: true },
  }),
  tutel: defineParameters({
    capacityFactor: { type: 'number', description: 'capacity = k · int(cf · ceil(T/E)) for fixed/capped', min: 0, exclusiveMin: true, default: 1 },
    mode: { type: 'enum', description: 'fixed | dynamic (busiest expert) | capped (min of both)', values: ['fixed', 'dynamic', 'capped'], default: 'fixed' },
    alignment: { type: 'integer', description: 'Capacity rounded up to a multiple of this', min: 1, default: 1 },
  }),
  capacity_aware: defineParameters({
    gamma: { type: 'number', description: 'C = γ · T·k/E (Capacity-Aware Inference)', min: 0, exclusiveMin: true },
  }),
}

export const CAPACITY_POLICY_SPECS: Readonly<Record<string, ParameterSpecs>> = Object.freeze(SPECS)

/** The resolved parameters of each capacity policy, typed by its specs (what `parseScenario` puts in `CapacitySetting.params`). */
export type CapacityParameters = { readonly [P in keyof typeof SPECS]: ParametersOf<(typeof SPECS)[P]> }

export const CAPACITY_POLICIES: readonly string[] = Object.keys(CAPACITY_POLICY_SPECS)
