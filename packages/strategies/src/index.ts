// Registered definitions (the simulator registers these after the routers, in this order)
export { strategyDefinitions } from './strategy-definitions.ts'

// Popularity families: k distinct experts per token, Plackett–Luce without replacement
export { createZipfStrategy, zipfDefinition, zipfValues } from './zipf.ts'
export { createPowerLawStrategy, powerLawDefinition, powerLawValue, powerLawValues } from './power-law.ts'
export { createLognormalStrategy, lognormalDefinition, lognormalValues } from './lognormal.ts'
export { createHotExpertsStrategy, hotExpertValues, hotExpertsDefinition } from './hot-experts.ts'
export { createDirichletStrategy, dirichletDefinition } from './dirichlet.ts'
export { categoricalDefinition, createCategoricalStrategy } from './categorical.ts'
export { POPULARITY_LAYOUTS, PopularityStrategy } from './popularity-strategy.ts'
export type { PopularityFamily, PopularityLayout } from './popularity-strategy.ts'

// Logit space, through a real router
export { ROUTER_NAMES, createLogitBiasStrategy, createRandomLogitsStrategy, logitBiasDefinition, randomLogitsDefinition } from './logit-strategies.ts'

// Deterministic and corner-case patterns
export {
  balancedDefinition,
  balancedTokenCount,
  createBalancedStrategy,
  createImbalancedExpertsStrategy,
  createImbalancedRanksStrategy,
  imbalancedExpertsDefinition,
  imbalancedRanksDefinition,
} from './trtllm-balanced.ts'
export { createRoundRobinStrategy, roundRobinDefinition } from './round-robin.ts'
export { createStridedStrategy, stridedDefinition } from './strided.ts'
export { createUniformSubsetStrategy, uniformSubsetDefinition } from './uniform-subset.ts'
export { createExcludeRankStrategy, excludeRankDefinition } from './exclude-rank.ts'

// Target metrics (balancedness, Gini, max/mean) within a tolerance at the call's token count
export {
  TargetMetricStrategy,
  createTargetBalancednessStrategy,
  createTargetGiniStrategy,
  createTargetMaxOverMeanStrategy,
  targetBalancednessDefinition,
  targetGiniDefinition,
  targetMaxOverMeanDefinition,
} from './target-strategies.ts'
export { arrangeOnRanks, solveTargetCounts, targetRange } from './target-solver.ts'
export type { TargetMetric, TargetProblem, TargetSolution } from './target-solver.ts'
export { apportionCounts } from './apportion.ts'
export { assignExactCounts } from './exact-assignment.ts'

// Structure over time and depth
export { createStickyStrategy, stickyDefinition } from './sticky.ts'
export { createCrossLayerStrategy, crossLayerDefinition } from './cross-layer.ts'

// Weight policies and the shared strategy base
export { WEIGHT_POLICIES, fillWeights, weightParameters } from './weight-policy.ts'
export type { WeightOptions, WeightPolicy } from './weight-policy.ts'
export { SyntheticStrategy } from './strategy-runtime.ts'
export type { RoutingCall, StrategyState } from './strategy-runtime.ts'
export type { SyntheticDefinition } from './define-synthetic.ts'
