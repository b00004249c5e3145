import { describeStrategyConformance } from '@routesim/testing'
import type { StrategyConformanceOptions, StrategyShape } from '@routesim/testing'
import { strategyDefinitions } from './strategy-definitions.ts'

const byName = new Map(strategyDefinitions.map((d) => [d.name, d]))
const make =
  (name: string, parameters: Record<string, unknown> = {}) =>
  ({ seed }: { seed: string | number | bigint }) =>
    byName.get(name)!.create(parameters, { seed })

const ALL: readonly StrategyShape[] = [
  { numExperts: 8, topK: 2 },
  { numExperts: 64, topK: 6 },
  { numExperts: 256, topK: 8 },
  { numExperts: 16, topK: 1 },
  { numExperts: 16, topK: 16 },
]
const NOT_FULL = ALL.filter((s) => s.topK < s.numExperts)

const cases: [string, Record<string, unknown>, Omit<StrategyConformanceOptions, 'distinct'>][] = [
  ['zipf', {}, { weightSum: 'k' }],
  ['zipf', { exponent: 1.5, layout: 'per_call', weightPolicy: 'mean' }, { weightSum: 'one' }],
  ['zipf', { layout: 'identity', weightPolicy: 'dirichlet', weightConcentration: 0.5 }, { weightSum: 'one' }],
  ['zipf', { weightPolicy: 'router' }, { weightSum: 'one' }],
  ['power_law', {}, { weightSum: 'k' }],
  ['lognormal', { sigma: 2 }, { weightSum: 'k' }],
  ['hot_experts', { hotCount: 4, hotFraction: 0.9 }, { weightSum: 'k', shapes: ALL }],
  ['dirichlet', { concentration: 0.3 }, { weightSum: 'k' }],
  [
    'categorical',
    { weights: [5, 1, 0, 2, 3, 1, 1, 4] },
    {
      weightSum: 'k',
      shapes: [
        { numExperts: 8, topK: 2 },
        { numExperts: 8, topK: 7 },
      ],
    },
  ],
  ['categorical', { weights: [5, 1, 0, 2, 3, 1, 1, 4], exact: true }, { weightSum: 'k', shapes: [{ numExperts: 8, topK: 3 }] }],
  ['logit_bias', { std: 1 }, { weightSum: 'one' }],
  ['logit_bias', { std: 0.5, fixedPerLayer: true, router: 'sigmoid_topk', weightPolicy: 'mean' }, { weightSum: 'one' }],
  ['random_logits', {}, { weightSum: 'one' }],
  ['balanced', { epSize: 2 }, { weightSum: 'one', deterministic: true, shapes: ALL }],
  ['imbalanced_ranks', { epSize: 2, balanceRatio: 0.3 }, { weightSum: 'one', deterministic: true, shapes: NOT_FULL }],
  ['imbalanced_experts', { epSize: 4, balanceRatio: 0.5 }, { weightSum: 'one', deterministic: true }],
  ['round_robin', { epSize: 4 }, { weightSum: 'one', deterministic: true }],
  ['strided', {}, { weightSum: 'one' }],
  ['uniform_subset', {}, { weightSum: 'k' }],
  ['exclude_rank', { epSize: 4, excludedRank: 1 }, { weightSum: 'k', shapes: NOT_FULL }],
  ['target_balancedness', { target: 0.7, epSize: 4 }, { weightSum: 'k', shapes: NOT_FULL, tokens: 600 }],
  ['target_gini', { target: 0.25 }, { weightSum: 'k', shapes: NOT_FULL, tokens: 600 }],
  ['target_max_over_mean', { target: 1.6 }, { weightSum: 'k', shapes: NOT_FULL, tokens: 600 }],
  ['sticky', { stickiness: 0.7 }, { weightSum: 'k' }],
  ['sticky', { stickiness: 0.3, mode: 'decode', exponent: 1, weightPolicy: 'mean' }, { weightSum: 'one' }],
  ['cross_layer', { coactivation: 0.6 }, { weightSum: 'k' }],
]

for (const [name, parameters, options] of cases) {
  describeStrategyConformance(`${name} ${JSON.stringify(parameters)}`, make(name, parameters), { distinct: true, ...options })
}
