import type { Seed } from '@routesim/core'
import type { Placement } from '@routesim/analysis'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { assignExactCounts, shuffle } from './exact-assignment.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { arrangeOnRanks, solveTargetCounts } from './target-solver.ts'
import type { TargetMetric, TargetSolution } from './target-solver.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

interface TargetOptions {
  readonly metric: TargetMetric
  readonly target: number
  readonly epSize: number
  readonly placement: Placement
  readonly tolerance: number
}

/**
 * Realises per-expert counts that hit the target exactly at the call's token count: the solved
 * counts (popularity order) are placed on random ranks/experts each call (which leaves the metric
 * unchanged) and tokens are assigned so the counts are realised exactly.
 */
export class TargetMetricStrategy extends SyntheticStrategy {
  private readonly solutions = new Map<string, TargetSolution>()

  constructor(
    name: string,
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly options: TargetOptions,
  ) {
    super(name, seed, weightOptions)
  }

  /** The solved counts (popularity order), the value they give and the profile's exponent. */
  solve(numExperts: number, numTokens: number, topK: number): TargetSolution {
    const key = `${numExperts}:${numTokens}:${topK}`
    let solution = this.solutions.get(key)
    if (!solution) {
      if (this.solutions.size >= 256) this.solutions.clear()
      solution = solveTargetCounts({ ...this.options, numExperts, numTokens, topK })
      this.solutions.set(key, solution)
    }
    return solution
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng } = call
    const { counts } = this.solve(E, T, k)
    let byExpert: Int32Array
    if (this.options.metric === 'balancedness') {
      const ep = this.options.epSize
      const epr = E / ep
      const ranks = identity(ep)
      shuffle(ranks, prng)
      const locals = identity(E)
      for (let r = 0; r < ep; r++) shuffle(locals.subarray(r * epr, (r + 1) * epr), prng)
      byExpert = arrangeOnRanks(counts, ep, this.options.placement, ranks, (rank, local) => locals[rank * epr + local]! - rank * epr)
    } else {
      const order = identity(E)
      shuffle(order, prng)
      byExpert = new Int32Array(E)
      for (let i = 0; i < E; i++) byExpert[order[i]!] = counts[i]!
    }
    assignExactCounts(byExpert, T, k, prng, ids)
  }
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n)
  for (let i = 0; i < n; i++) a[i] = i
  return a
}

const toleranceParameter = {
  tolerance: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 0.5,
    default: 0.02,
    description: 'relative tolerance on the measured value (default ±2%); a target the token count cannot resolve is rejected',
  },
} as const

export const targetBalancednessDefinition = defineSynthetic({
  name: 'target_balancedness',
  description: 'Routing whose EP-rank balancedness (mean/max rank load) is within ±2% of a target at the call’s token count',
  parameters: {
    target: { type: 'number', min: 0, exclusiveMin: true, max: 1, default: 0.8, description: 'target mean/max rank load, in [max(1/EP, k/E), 1]' },
    epSize: { type: 'integer', min: 1, default: 8, description: 'EP size (divides E)' },
    placement: { type: 'enum', values: ['linear', 'round_robin'], default: 'linear', description: 'expert placement over ranks' },
    ...toleranceParameter,
    ...weightParameters('ones'),
  },
  source: 'HYGON vLLM plugin hcu_eplb_balancedness (PR #69), generalised; balancedness as in vLLM EPLB',
  formula:
    'counts_r = apportion(min(T, λ·r^(−s))), Σ = T·k; hottest experts share a rank; s by bisection until mean/max(rankLoads) is within tolerance; counts realised exactly',
  build: (p, seed) =>
    new TargetMetricStrategy('target_balancedness', seed, readWeightOptions(p), {
      metric: 'balancedness',
      target: p.target,
      epSize: p.epSize,
      placement: p.placement,
      tolerance: p.tolerance,
    }),
})

export const targetGiniDefinition = defineSynthetic({
  name: 'target_gini',
  description: 'Routing whose Gini coefficient of per-expert loads is within ±2% of a target at the call’s token count',
  parameters: {
    target: { type: 'number', min: 0, max: 1, default: 0.3, description: 'target Gini of expert loads, in [0, 1 − k/E]' },
    ...toleranceParameter,
    ...weightParameters('ones'),
  },
  source: 'DODOCO (arXiv 2605.20982) routing Gini 0.105–0.38; routesim analysis.gini',
  formula: 'counts_r = apportion(min(T, λ·r^(−s))), Σ = T·k, s by bisection until gini(counts) is within tolerance; realised exactly on a random permutation',
  build: (p, seed) =>
    new TargetMetricStrategy('target_gini', seed, readWeightOptions(p), {
      metric: 'gini',
      target: p.target,
      epSize: 1,
      placement: 'linear',
      tolerance: p.tolerance,
    }),
})

export const targetMaxOverMeanDefinition = defineSynthetic({
  name: 'target_max_over_mean',
  description: 'Routing whose hottest expert carries a target multiple of the mean expert load (±2%) at the call’s token count',
  parameters: {
    target: { type: 'number', min: 1, default: 2, description: 'target max/mean expert load, in [1, E/k]' },
    ...toleranceParameter,
    ...weightParameters('ones'),
  },
  source: 'Capacity-Aware Inference (arXiv 2503.05066): hottest expert > 7× mean; vLLM PR #50647 max/mean',
  formula: 'counts_r = apportion(min(T, λ·r^(−s))), Σ = T·k, s by bisection until max/mean(counts) is within tolerance; realised exactly',
  build: (p, seed) =>
    new TargetMetricStrategy('target_max_over_mean', seed, readWeightOptions(p), {
      metric: 'max_over_mean',
      target: p.target,
      epSize: 1,
      placement: 'linear',
      tolerance: p.tolerance,
    }),
})

export const createTargetBalancednessStrategy = factoryOf(targetBalancednessDefinition)
export const createTargetGiniStrategy = factoryOf(targetGiniDefinition)
export const createTargetMaxOverMeanStrategy = factoryOf(targetMaxOverMeanDefinition)
