import { InvalidArgumentError, assertFiniteNumber, assertInteger, checkLimit } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { PopularityStrategy, layoutParameter } from './popularity-strategy.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'

/** h hot experts share `fraction` of the draw weight, the other E − h share the rest. */
export function hotExpertValues(numExperts: number, hotCount: number, hotFraction: number): Float64Array {
  // Limited before the Float64Array(numExperts) is built (2^31 experts took minutes and 16 GB).
  checkLimit('numExperts', numExperts, 'maxExperts', 1)
  assertInteger('hot_experts.hotCount', hotCount, { min: 1 })
  assertFiniteNumber('hot_experts.hotFraction', hotFraction, { min: 0, max: 1 })
  if (hotCount > numExperts) {
    throw new InvalidArgumentError({
      parameter: 'hot_experts.hotCount',
      value: hotCount,
      allowed: `an integer in [1, ${numExperts}] (the number of experts)`,
    })
  }
  const out = new Float64Array(numExperts)
  const cold = numExperts - hotCount
  for (let e = 0; e < numExperts; e++) {
    out[e] = e < hotCount ? (cold === 0 ? 1 : hotFraction) / hotCount : (1 - hotFraction) / cold
  }
  return out
}

export const hotExpertsDefinition = defineSynthetic({
  name: 'hot_experts',
  description: 'k-hot popularity: a hot set of h experts gets a fixed fraction of the draw weight, the rest share the remainder',
  parameters: {
    hotCount: { type: 'integer', min: 1, default: 8, description: 'size h of the hot set (≤ E)' },
    hotFraction: { type: 'number', min: 0, max: 1, default: 0.5, description: 'fraction f of the draw weight on the hot set' },
    ...layoutParameter('per_layer'),
    ...weightParameters('ones'),
  },
  source: 'k-hot skew used in MoE kernel benchmarks (anchors-domain §d.3)',
  formula: 'w_e = f/h for the h hot experts, (1−f)/(E−h) otherwise; Plackett–Luce draws (so hot experts get < f of the slots when k > 1)',
  build: (p, seed) => {
    const h = p.hotCount
    const f = p.hotFraction
    return new PopularityStrategy(
      'hot_experts',
      seed,
      readWeightOptions(p),
      {
        random: false,
        values: (E) => hotExpertValues(E, h, f),
      },
      { layout: p.layout },
    )
  },
})

export const createHotExpertsStrategy = factoryOf(hotExpertsDefinition)
