import { describe, expect, it } from 'vitest'
import { renormalizedSigmoidOfSelected } from './router-weights.ts'

describe('renormalizedSigmoidOfSelected', () => {
  const reference = (xs: number[]) => {
    // log σ(x) = x − log(1 + e^x) for x < 0: exact in float64 where σ itself underflows.
    const logs = xs.map((x) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x))))
    const max = Math.max(...logs)
    const sum = logs.reduce((a, l) => a + Math.exp(l - max), 0)
    return logs.map((l) => Math.fround(Math.exp(l - max) / sum))
  }

  it.each([
    ['ordinary logits (direct path)', [2.5, 0.3, -1, -4]],
    ['just above the direct cut-off', [-699, -699.5, -699.9, -699.99]],
    ['below it, where σ underflows (log path)', [-800, -801, -802, -810]],
    ['a row straddling the cut-off', [-650, -701, -720, -1000]],
  ])('%s: weights equal the log-space form and sum to 1', (_label, xs) => {
    const out = new Float32Array(xs.length)
    renormalizedSigmoidOfSelected(Float32Array.from(xs), xs.length, 1, out)
    const expected = reference(Array.from(Float32Array.from(xs)))
    for (let i = 0; i < xs.length; i++) expect(Math.abs(out[i]! - expected[i]!)).toBeLessThanOrEqual(2 ** -23 * Math.max(expected[i]!, 1e-30))
    expect(out.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 6)
    expect(out.every(Number.isFinite)).toBe(true)
  })
})
