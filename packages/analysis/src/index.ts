// Expert counts (the input of every metric)
export { accumulateExpertCounts, expertCounts } from './expert-counts.ts'
export { EXPERT_COUNT_CHUNK_IDS, expertCountsChunk, expertCountsOn } from './expert-counts-on.ts'
export type { ExpertCountArgs } from './expert-counts-on.ts'
export type { ExpertIds } from './expert-ids.ts'
export { readLoadRows } from './loads.ts'
export type { LoadMatrix, Loads } from './loads.ts'

// Per-layer imbalance statistics
export { coefficientOfVariation, gini, loadSummary, maxOverMean } from './load-summary.ts'
export type { LoadSummary } from './load-summary.ts'
export { countTokensWithDuplicateIds, duplicateIdRate } from './duplicate-id-rate.ts'
export { distinctExperts, expectedDistinctExperts } from './distinct-experts.ts'

// Expert-parallel placement, rank loads and balancedness
export { PLACEMENTS, assertEpSize, rankNodes, slotRanks } from './placement.ts'
export type { Placement } from './placement.ts'
export { loadsByOwner, rankLoads } from './rank-loads.ts'
export { balancedness } from './balancedness.ts'
export {
  BALANCEDNESS_AGGREGATIONS,
  SGLANG_EPSILON,
  aggregateBalancedness,
  balancednessReport,
  createBalancednessTracker,
  layerBalancedness,
  sglangUtilization,
} from './balancedness-aggregation.ts'
export type { BalancednessAggregation, BalancednessReport, BalancednessSnapshot, BalancednessTracker } from './balancedness-aggregation.ts'

// Logical → physical maps, replica choice and all-to-all traffic
export {
  REPLICA_POLICIES,
  assertExpertMap,
  createExpertMap,
  createRankDispatchTable,
  initialPhysicalToLogical,
  mapToPhysical,
  tokenHomeRank,
} from './expert-map.ts'
export type { ExpertMap, ExpertMapOptions, MapToPhysicalOptions, ReplicaPolicy } from './expert-map.ts'
export { dispatchStats } from './dispatch-stats.ts'
export type { DispatchStats, SlotLayout } from './dispatch-stats.ts'
export { comparePlacements, duplicateReplicasOnSameGpu, predictedRankLoads, preserveIntraGpuSlots } from './placement-stats.ts'
export type { PlacementChange } from './placement-stats.ts'

// DeepSeek EPLB
export { EPLB_POLICIES, balancedPacking, rebalanceExperts, replicateExperts } from './eplb.ts'
export type { EplbPolicy, Packing, RebalanceOptions, RebalanceResult, Replication } from './eplb.ts'
export { rebalanceExpertsTimeAware } from './eplb-time-aware.ts'
export type { TimeAwareRebalanceOptions } from './eplb-time-aware.ts'

// Capacity and drops
export { capacityAwareCapacity, capacityDrops, deepspeedCapacity, megatronCapacity, padCountsToMultiple, tutelCapacity } from './capacity.ts'
export type { CapacityDrops } from './capacity.ts'
export { DROP_POLICIES, applyCapacity } from './apply-capacity.ts'
export type { ApplyCapacityOptions, CapacityOutcome, DropPolicy } from './apply-capacity.ts'
