import { capacityAwareCapacity, capacityDrops, deepspeedCapacity, megatronCapacity, tutelCapacity } from '@routesim/analysis'
import type { CapacitySetting } from '../scenario/scenario.ts'
import type { DropResult } from './step-result.ts'

/** The per-expert capacity a setting gives this layer-step (formulas from `@routesim/analysis`). */
export function capacityOf(setting: CapacitySetting, counts: Int32Array, numTokens: number, topK: number): number {
  const base = { numTokens, numExperts: counts.length, topK }
  const p = setting.params
  switch (setting.policy) {
    case 'megatron':
      return megatronCapacity({
        ...base,
        capacityFactor: p['capacityFactor'] as number,
        ...(p['minCapacity'] === undefined ? {} : { minCapacity: p['minCapacity'] as number }),
      })
    case 'deepspeed':
      return deepspeedCapacity({
        ...base,
        capacityFactor: p['capacityFactor'] as number,
        minCapacity: p['minCapacity'] as number,
        dropTokens: p['dropTokens'] as boolean,
        counts,
      })
    case 'tutel': {
      // Tutel spells dynamic as cf = 0 and capped as cf < 0; the scenario names the mode instead.
      const cf = p['capacityFactor'] as number
      const mode = p['mode'] as string
      return tutelCapacity({ ...base, capacityFactor: mode === 'fixed' ? cf : mode === 'dynamic' ? 0 : -cf, counts, alignment: p['alignment'] as number })
    }
    case 'capacity_aware':
      return capacityAwareCapacity({ ...base, gamma: p['gamma'] as number })
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
