import { assertFiniteNumber, assertPrng, checkLimit } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { PopularityStrategy, layoutParameter } from './popularity-strategy.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'

/**
 * aiconfigurator's bounded power law: x = ((x_max^(1−α) − x_min^(1−α))·u + x_min^(1−α))^(1/(1−α)),
 * u ~ U[0,1), with (x_min, x_max) = (1, 0.8·T) when T·k > E, else (0.01, 2); α = 1 is the log-uniform limit.
 */
export function powerLawValue(u: number, alpha: number, xmin: number, xmax: number): number {
  if (Math.abs(1 - alpha) < 1e-12) return xmin * (xmax / xmin) ** u
  const a = 1 - alpha
  const x = ((xmax ** a - xmin ** a) * u + xmin ** a) ** (1 / a)
  if (Number.isFinite(x)) return x
  // Large α overflows x^(1−α); the same value factored by x_min^(1−α), in log space.
  return xmin * Math.exp(Math.log1p(u * Math.expm1(a * Math.log(xmax / xmin))) / a)
}

/** Per-expert power-law values for T tokens, k per token (the bounds follow aiconfigurator). */
export function powerLawValues(numExperts: number, numTokens: number, topK: number, alpha: number, prng: Prng): Float64Array {
  checkLimit('numExperts', numExperts, 'maxExperts', 1)
  checkLimit('numTokens', numTokens, 'maxTokens', 0)
  checkLimit('topK', topK, 'maxTopK', 1)
  assertFiniteNumber('power_law.alpha', alpha, { min: 0, exclusiveMin: true })
  assertPrng('prng', prng)
  const [xmin, xmax] = numTokens * topK > numExperts ? [1, Math.max(0.8 * numTokens, 1)] : [0.01, 2]
  const out = new Float64Array(numExperts)
  for (let e = 0; e < numExperts; e++) out[e] = powerLawValue(prng.nextDouble(), alpha, xmin, xmax)
  return out
}

export const powerLawDefinition = defineSynthetic({
  name: 'power_law',
  description: "Power-law expert popularity in aiconfigurator's form (per-expert values from a bounded power law with exponent α)",
  parameters: {
    alpha: { type: 'number', min: 0, exclusiveMin: true, default: 1.2, description: 'power-law exponent α > 0 (larger = more skewed)' },
    ...layoutParameter('per_layer'),
    ...weightParameters('ones'),
  },
  source: 'aiconfigurator collector/helper.py (power-law token counts per expert)',
  formula:
    'x_e = ((x_max^(1−α) − x_min^(1−α))·u_e + x_min^(1−α))^(1/(1−α)), (x_min, x_max) = (1, 0.8T) if T·k > E else (0.01, 2); w_e = x_e; Plackett–Luce draws',
  build: (p, seed) => {
    const alpha = p.alpha
    return new PopularityStrategy(
      'power_law',
      seed,
      readWeightOptions(p),
      {
        random: true,
        dependsOnTokens: true,
        shapeParameter: { name: 'alpha', value: alpha },
        values: (E, T, k, prng) => powerLawValues(E, T, k, alpha, prng),
      },
      { layout: p.layout },
    )
  },
})

export const createPowerLawStrategy = factoryOf(powerLawDefinition)
