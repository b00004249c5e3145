import type { CapacitySetting } from '../scenario/scenario.ts'
import type { DropResult } from './step-result.ts'

/** Drops of one layer-step under each capacity setting (per-expert capacity on the logical counts). */
export function evaluateDrops(settings: readonly CapacitySetting[], counts: Int32Array, tokens: number, topK: number): DropResult[] {
  if (settings.length === 0) return []
  throw new Error(`capacity evaluation is waiting for @routesim/analysis capacity functions (${settings.length} settings, ${counts.length} experts, T=${tokens}, k=${topK})`)
}
