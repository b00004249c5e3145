import { InvalidArgumentError, checkLimit } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { assertFloatOutput, assertInteger, assertPrng } from './argument-checks.ts'

/**
 * log of a Gamma(shape, 1) draw (Marsaglia–Tsang, 2000). Shapes < 1 use the boost
 * G(a) = G(a + 1) · U^{1/a}, kept in log space so tiny shapes do not underflow to 0.
 */
export function sampleLogGamma(prng: Prng, shape: number): number {
  assertPrng('prng', prng)
  return logGammaDraw(prng, checkShape('shape', shape))
}

function checkShape(parameter: string, shape: number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) {
    throw new InvalidArgumentError({ parameter, value: shape, allowed: 'a finite number > 0' })
  }
  return shape
}

function logGammaDraw(prng: Prng, shape: number): number {
  if (shape < 1) {
    const u = 1 - prng.nextDouble() // (0, 1]
    return logGammaDraw(prng, shape + 1) + Math.log(u) / shape
  }
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = prng.nextNormal()
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = 1 - prng.nextDouble()
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v)
  }
}

/**
 * A Dirichlet(α, …, α) draw of length `n` into `out[offset..offset+n)`: normalised Gamma(α) draws,
 * normalised in log space (max-subtracted) so small concentrations stay exact and never all-zero.
 */
export function sampleSymmetricDirichlet(prng: Prng, concentration: number, n: number, out: Float64Array | Float32Array, offset = 0): void {
  assertPrng('prng', prng)
  checkShape('concentration', concentration)
  checkLimit('n', n, 'maxExperts', 1)
  assertFloatOutput('out', out)
  if (out.length < n) throw new InvalidArgumentError({ parameter: 'out.length', value: out.length, allowed: `at least n = ${n}` })
  assertInteger('offset', offset, { min: 0, max: out.length - n })
  let max = -Infinity
  const logs = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const g = logGammaDraw(prng, concentration)
    logs[i] = g
    if (g > max) max = g
  }
  if (max === -Infinity) {
    // A subnormal α sends every log draw to −∞: the Dirichlet's limit, one expert takes all.
    out.fill(0, offset, offset + n)
    out[offset + prng.nextInt(n)] = 1
    return
  }
  let sum = 0
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logs[i]! - max)
    logs[i] = e
    sum += e
  }
  for (let i = 0; i < n; i++) out[offset + i] = logs[i]! / sum
}
