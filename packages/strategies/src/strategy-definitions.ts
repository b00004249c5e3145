import type { StrategyDefinition } from '@routesim/core'
import { categoricalDefinition } from './categorical.ts'
import { crossLayerDefinition } from './cross-layer.ts'
import { dirichletDefinition } from './dirichlet.ts'
import { excludeRankDefinition } from './exclude-rank.ts'
import { hotExpertsDefinition } from './hot-experts.ts'
import { lognormalDefinition } from './lognormal.ts'
import { logitBiasDefinition, randomLogitsDefinition } from './logit-strategies.ts'
import { powerLawDefinition } from './power-law.ts'
import { roundRobinDefinition } from './round-robin.ts'
import { stickyDefinition } from './sticky.ts'
import { stridedDefinition } from './strided.ts'
import { targetBalancednessDefinition, targetGiniDefinition, targetMaxOverMeanDefinition } from './target-strategies.ts'
import { balancedDefinition, imbalancedExpertsDefinition, imbalancedRanksDefinition } from './trtllm-balanced.ts'
import { uniformSubsetDefinition } from './uniform-subset.ts'
import { zipfDefinition } from './zipf.ts'

/** Every strategy of this package, in registration order (the simulator registers them after the routers). */
export const strategyDefinitions: readonly StrategyDefinition[] = Object.freeze([
  // Popularity families (Plackett–Luce without replacement)
  zipfDefinition,
  powerLawDefinition,
  lognormalDefinition,
  hotExpertsDefinition,
  dirichletDefinition,
  categoricalDefinition,
  // Logit space, through a real router
  logitBiasDefinition,
  randomLogitsDefinition,
  // Deterministic and corner-case patterns
  balancedDefinition,
  imbalancedRanksDefinition,
  imbalancedExpertsDefinition,
  roundRobinDefinition,
  stridedDefinition,
  uniformSubsetDefinition,
  excludeRankDefinition,
  // Target metrics
  targetBalancednessDefinition,
  targetGiniDefinition,
  targetMaxOverMeanDefinition,
  // Structure over time and depth
  stickyDefinition,
  crossLayerDefinition,
] as StrategyDefinition[])
