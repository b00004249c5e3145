import { ShapeMismatchError } from '@routesim/core'
import { validateWeights } from '@routesim/distributions'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { PopularityStrategy, layoutParameter } from './popularity-strategy.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'

export const categoricalDefinition = defineSynthetic({
  name: 'categorical',
  description: 'Explicit per-expert weights or measured counts (replay a distribution), sampled or realised exactly',
  parameters: {
    weights: {
      type: 'number[]',
      min: 0,
      description: 'one weight or count ≥ 0 per expert (length E; not all zero)',
    },
    exact: {
      type: 'boolean',
      default: false,
      description: 'realise per-expert counts exactly (T·k apportioned by weight, each ≤ T) instead of sampling',
    },
    ...layoutParameter('identity'),
    ...weightParameters('ones'),
  },
  source: 'replay of measured expert loads (SGLang/vLLM expert-count dumps, anchors-domain §d.9)',
  formula: 'w_e = weights[e]; Plackett–Luce draws, or with exact: counts_e = apportion(T·k ∝ w, cap T)',
  build: (p, seed) => {
    const weights = p.weights
    validateWeights('categorical.weights', weights)
    return new PopularityStrategy(
      'categorical',
      seed,
      readWeightOptions(p),
      {
        random: false,
        values: (E) => {
          if (weights.length !== E) {
            throw new ShapeMismatchError({
              parameter: 'categorical.weights.length',
              expected: `${E} (routerLogits.shape[1], the number of experts)`,
              actual: String(weights.length),
            })
          }
          return Float64Array.from(weights)
        },
      },
      { layout: p.layout, exact: p.exact },
    )
  },
})

export const createCategoricalStrategy = factoryOf(categoricalDefinition)
