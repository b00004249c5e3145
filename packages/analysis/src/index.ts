// Expert counts (the input of every metric)
export { accumulateExpertCounts, expertCounts } from './expert-counts.ts'
export type { ExpertIds } from './expert-ids.ts'

// Per-layer imbalance statistics
export { coefficientOfVariation, gini, loadSummary, maxOverMean } from './load-summary.ts'
export type { LoadSummary } from './load-summary.ts'
export type { Loads } from './loads.ts'
export { countTokensWithDuplicateIds, duplicateIdRate } from './duplicate-id-rate.ts'

// Expert-parallel placement and rank loads
export { PLACEMENTS, rankNodes, slotRanks } from './placement.ts'
export type { Placement } from './placement.ts'
export { loadsByOwner, rankLoads } from './rank-loads.ts'
export { balancedness } from './balancedness.ts'
