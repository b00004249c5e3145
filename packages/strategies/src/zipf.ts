import { assertFiniteNumber, checkLimit } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { PopularityStrategy, layoutParameter } from './popularity-strategy.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'

/** p_r ∝ r^(−s) for popularity rank r = 1..E (s = 0 is uniform). */
export function zipfValues(numExperts: number, exponent: number): Float64Array {
  const out = new Float64Array(checkLimit('numExperts', numExperts, 'maxExperts', 1))
  assertFiniteNumber('exponent', exponent, { min: 0 })
  for (let r = 0; r < numExperts; r++) out[r] = (r + 1) ** -exponent
  return out
}

/** The last values made here (one per thread): every layer of a step has the same E and exponent. */
let lastZipf: { numExperts: number; exponent: number; values: Float64Array } | undefined

/** `zipfValues` into a fresh array, computed once per (E, exponent) in a row: a copy of the same doubles. */
function zipfValuesCopy(numExperts: number, exponent: number): Float64Array {
  if (lastZipf === undefined || lastZipf.numExperts !== numExperts || lastZipf.exponent !== exponent) {
    lastZipf = { numExperts, exponent, values: zipfValues(numExperts, exponent) }
  }
  return lastZipf.values.slice()
}

export const zipfDefinition = defineSynthetic({
  name: 'zipf',
  description: 'Zipf popularity: k distinct experts per token, expert of popularity rank r drawn with weight r^-s (Plackett–Luce)',
  parameters: {
    exponent: { type: 'number', min: 0, default: 1, description: 'Zipf exponent s ≥ 0 (0 = uniform, 1 = classic Zipf)' },
    ...layoutParameter('per_layer'),
    ...weightParameters('ones'),
  },
  source: 'vLLM PR #57100 (benchmark_moe.py zipf: logits biased by −log(rank)); routesim simulate_zipf workload',
  formula: 'w_r = r^(−s), r = 1..E over a seeded permutation; k ids without replacement: P(next = i) = w_i / Σ_{j not chosen} w_j',
  build: (p, seed) =>
    new PopularityStrategy(
      'zipf',
      seed,
      readWeightOptions(p),
      {
        random: false,
        shapeParameter: { name: 'exponent', value: p.exponent },
        values: (E) => zipfValuesCopy(E, p.exponent),
      },
      { layout: p.layout },
    ),
})

export const createZipfStrategy = factoryOf(zipfDefinition)
