import type { Prng } from '@routesim/core'
import { InvalidArgumentError } from '@routesim/core'
import { assertInteger, assertNormalParameters, assertRowsLength } from './argument-checks.ts'
import { zigguratWords } from './normal.ts'
import { WordBlocks } from './word-blocks.ts'
import { fillNormals } from './ziggurat.ts'

const CHUNK_ROWS = 4096

/**
 * The seed's `normal_routing` weights: per row, w = |z'| / Σ|z'| with z' ~ N(mean, std²) i.i.d.
 * (no epsilon; rows sum to 1). Computed in double, stored in `out` (`[rows, k]`). A row whose
 * |z'| are all exactly 0 (probability 0 for std > 0) gets 1/k rather than NaN.
 */
export function sampleNormalRowWeights(
  out: Float32Array,
  rows: number,
  k: number,
  mean: number,
  std: number,
  prng: Prng,
): Float32Array {
  if (!(out instanceof Float32Array)) throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: 'a Float32Array' })
  assertInteger('rows', rows, { min: 0 })
  assertInteger('k', k, { min: 1 })
  assertNormalParameters(mean, std, { strictStd: true })
  assertRowsLength('out', out, rows, k)
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
