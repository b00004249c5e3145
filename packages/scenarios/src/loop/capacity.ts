import { capacityAwareCapacity, capacityDrops, deepspeedCapacity, megatronCapacity, tutelCapacity } from '@routesim/analysis'
import type { CapacityParameters } from '../scenario/capacity-settings.ts'
import type { CapacitySetting } from '../scenario/scenario.ts'
import type { DropResult } from './step-result.ts'

/** The per-expert capacity a setting gives this layer-step (formulas from `@routesim/analysis`). */
export function capacityOf(setting: CapacitySetting, counts: Int32Array, numTokens: number, topK: number): number {
  const base = { numTokens, numExperts: counts.length, topK }
  // parseScenario resolved `params` against the policy's specs, so they have the policy's parameter types.
  switch (setting.policy) {
    case 'megatron': {
      const p = setting.params as CapacityParameters['megatron']
      return megatronCapacity({ ...base, capacityFactor: p.capacityFactor, ...(p.minCapacity === undefined ? {} : { minCapacity: p.minCapacity }) })
    }
    case 'deepspeed': {
      const p = setting.params as CapacityParameters['deepspeed']
      return deepspeedCapacity({ ...base, capacityFactor: p.capacityFactor, minCapacity: p.minCapacity, dropTokens: p.dropTokens, counts })
    }
    case 'tutel': {
      // Tutel spells dynamic as cf = 0 and capped as cf < 0; the scenario names the mode instead.
      const p = setting.params as CapacityParameters['tutel']
      const cf = p.capacityFactor
      return tutelCapacity({ ...base, capacityFactor: p.mode === 'fixed' ? cf : p.mode === 'dynamic' ? 0 : -cf, counts, alignment: p.alignment })
    }
    case 'capacity_aware':
      return capacityAwareCapacity({ ...base, gamma: (setting.params as CapacityParameters['capacity_aware']).gamma })
    default:
      throw new Error(`unreachable: capacity policy '${setting.policy}' passed validation`)
  }
}

/** Drops of one layer-step under each capacity setting (per-expert capacity on the logical counts). */
export function evaluateDrops(settings: readonly CapacitySetting[], counts: Int32Array, numTokens: number, topK: number): DropResult[] {
  return settings.map((setting) => {
    const capacity = capacityOf(setting, counts, numTokens, topK)
    const drops = capacityDrops(counts, capacity)
    return { label: setting.label, capacity, dropped: drops.droppedSlots, droppedFraction: drops.dropRate }
  })
}
