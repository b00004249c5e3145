import type { Prng } from '@routesim/core'
import { InvalidArgumentError } from '@routesim/core'
import { assertPrng, assertInteger, assertNormalParameters, assertRowsLength } from './argument-checks.ts'
import { zigguratWords } from './normal.ts'
import { WordBlocks } from './word-blocks.ts'
import { fillHalfNormals, fillNormals } from './ziggurat.ts'

const CHUNK_ROWS = 4096
/** Half-normal scratch per chunk: small enough to stay in L1/L2 between the fill and the normalisation. */
const HALF_CHUNK = 8192

/**
 * The seed's `normal_routing` weights: per row, w = |z'| / Σ|z'| with z' ~ N(mean, std²) i.i.d.
 * (no epsilon; rows sum to 1). Computed in double, stored in `out` (`[rows, k]`). A row whose
 * |z'| are all exactly 0 (probability 0 for std > 0) gets 1/k rather than NaN.
 * For mean 0, |z'| = std·|n| with n ~ N(0, 1) and std cancels in the ratio, so the weights are
 * drawn from the half-normal ziggurat (one word per value, no sign bit); other means read the
 * `sampleNormal` stream.
 */
export function sampleNormalRowWeights(out: Float32Array, rows: number, k: number, mean: number, std: number, prng: Prng): Float32Array {
  assertPrng('prng', prng)
  if (!(out instanceof Float32Array)) throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: 'a Float32Array' })
  assertInteger('rows', rows, { min: 0 })
  assertInteger('k', k, { min: 1 })
  assertNormalParameters(mean, std, { strictStd: true })
  assertRowsLength('out', out, rows, k)
  if (mean === 0) return halfNormalRowWeights(out, rows, k, prng)
  // One word stream across chunks: the z′ are exactly what `sampleNormal` draws for rows·k values.
  const z = new Float64Array(Math.min(CHUNK_ROWS, rows) * k)
  const blocks = new WordBlocks(prng, zigguratWords(rows * k))
  for (let r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows - r0)
    fillNormals(z, 0, n * k, mean, std, blocks)
    for (let r = 0; r < n; r++) {
      const from = r * k
      let sum = 0
      for (let i = 0; i < k; i++) sum += Math.abs(z[from + i]!)
      const o = (r0 + r) * k
      if (sum === 0) {
        for (let i = 0; i < k; i++) out[o + i] = 1 / k
        continue
      }
      const inv = 1 / sum
      for (let i = 0; i < k; i++) out[o + i] = Math.abs(z[from + i]!) * inv
    }
  }
  return out
}

/** The mean-0 weights: |n|/Σ|n| per row, n drawn as half-normals in chunks of whole rows. */
function halfNormalRowWeights(out: Float32Array, rows: number, k: number, prng: Prng): Float32Array {
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(HALF_CHUNK / k)))
  const a = new Float64Array(chunkRows * k)
  const blocks = new WordBlocks(prng, zigguratWords(rows * k))
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const n = Math.min(chunkRows, rows - r0)
    fillHalfNormals(a, 0, n * k, blocks)
    if (k === 8) {
      normalizeRowsOf8(a, n, out, r0 * 8)
      continue
    }
    let o = r0 * k
    for (let from = 0; from < n * k; from += k) {
      let sum = 0
      for (let i = 0; i < k; i++) sum += a[from + i]!
      // Every half-normal draw is ≥ 2^-26·x[127] > 0, so the sum never vanishes.
      const inv = 1 / sum
      for (let i = 0; i < k; i++) out[o + i] = a[from + i]! * inv
      o += k
    }
  }
  return out
}

/** k = 8 unrolled (the common top-8): about 3× faster than the generic loops, which V8 does not unroll. */
function normalizeRowsOf8(a: Float64Array, rows: number, out: Float32Array, offset: number): void {
  let o = offset
  for (let f = 0; f < rows * 8; f += 8) {
    const a0 = a[f]!
    const a1 = a[f + 1]!
    const a2 = a[f + 2]!
    const a3 = a[f + 3]!
    const a4 = a[f + 4]!
    const a5 = a[f + 5]!
    const a6 = a[f + 6]!
    const a7 = a[f + 7]!
    const inv = 1 / (a0 + a1 + (a2 + a3) + (a4 + a5 + (a6 + a7)))
    out[o] = a0 * inv
    out[o + 1] = a1 * inv
    out[o + 2] = a2 * inv
    out[o + 3] = a3 * inv
    out[o + 4] = a4 * inv
    out[o + 5] = a5 * inv
    out[o + 6] = a6 * inv
    out[o + 7] = a7 * inv
    o += 8
  }
}
