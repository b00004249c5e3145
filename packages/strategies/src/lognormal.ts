import { assertFiniteNumber, assertPrng, checkLimit } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { PopularityStrategy, layoutParameter } from './popularity-strategy.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'

/**
 * w_e = exp(σ·z_e), z_e ~ N(0, 1). When a large σ would overflow exp (or underflow every value to 0),
 * the same draws are rescaled by exp(−max σ·z) (popularity is relative), so any finite σ gives finite
 * values with the hottest at 1; otherwise the values are exactly exp(σ·z).
 */
export function lognormalValues(numExperts: number, sigma: number, prng: Prng): Float64Array {
  const out = new Float64Array(checkLimit('numExperts', numExperts, 'maxExperts', 1))
  assertFiniteNumber('lognormal.sigma', sigma, { min: 0 })
  assertPrng('prng', prng)
  let max = -Infinity
  for (let e = 0; e < numExperts; e++) {
    out[e] = sigma * prng.nextNormal()
    if (out[e]! > max) max = out[e]!
  }
  const shift = max > 700 || max < -700 ? max : 0
  for (let e = 0; e < numExperts; e++) out[e] = Math.exp(out[e]! - shift)
  return out
}

export const lognormalDefinition = defineSynthetic({
  name: 'lognormal',
  description: "Log-normal expert popularity (DeepEP's fit of DeepSeek-V3 loads): w_e = exp(σ·z_e), z_e ~ N(0,1)",
  parameters: {
    sigma: { type: 'number', min: 0, default: 1, description: 'σ ≥ 0 of log popularity (0 = uniform)' },
    ...layoutParameter('per_layer'),
    ...weightParameters('ones'),
  },
  source: 'DeepEP PR #393 (per-rank token counts of DeepSeek-V3 fit a log-normal best)',
  formula: 'w_e = exp(σ·z_e), z_e ~ N(0, 1) i.i.d. per expert (per layer or per call); Plackett–Luce draws',
  build: (p, seed) => {
    const sigma = p.sigma
    return new PopularityStrategy(
      'lognormal',
      seed,
      readWeightOptions(p),
      {
        random: true,
        shapeParameter: { name: 'sigma', value: sigma },
        values: (E, _T, _k, prng) => lognormalValues(E, sigma, prng),
      },
      { layout: p.layout },
    )
  },
})

export const createLognormalStrategy = factoryOf(lognormalDefinition)
