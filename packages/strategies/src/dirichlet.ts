import { sampleSymmetricDirichlet } from '@routesim/distributions'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { PopularityStrategy, layoutParameter } from './popularity-strategy.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'

export const dirichletDefinition = defineSynthetic({
  name: 'dirichlet',
  description: 'Dirichlet popularity: per-expert probabilities p ~ Dirichlet(α·1_E), then Plackett–Luce draws',
  parameters: {
    concentration: {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      default: 1,
      description: 'α > 0: small = a few experts take most tokens, large = near uniform',
    },
    ...layoutParameter('per_layer'),
    ...weightParameters('ones'),
  },
  source: 'standard Bayesian popularity prior; moe-balance style skew sweeps',
  formula: 'p ~ Dirichlet(α, …, α) (normalised Gamma(α) draws, fixed per layer or per call); Plackett–Luce draws',
  build: (p, seed) => {
    const alpha = p.concentration
    return new PopularityStrategy(
      'dirichlet',
      seed,
      readWeightOptions(p),
      {
        random: true,
        shapeParameter: { name: 'concentration', value: alpha },
        values: (E, _T, _k, prng) => {
          const out = new Float64Array(E)
          sampleSymmetricDirichlet(prng, alpha, E, out)
          return out
        },
      },
      { layout: p.layout },
    )
  },
})

export const createDirichletStrategy = factoryOf(dirichletDefinition)
