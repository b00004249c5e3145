import { createPrng } from '@routesim/core'
import type { Seed } from '@routesim/core'

/** Seeded float32 logits `[rows, cols]` ~ N(0, scale²): distinct values, so ties are rare but possible. */
export function createRandomLogits(seed: Seed, rows: number, cols: number, scale = 1): Float32Array {
  const prng = createPrng(seed, 'testing.logits')
  const out = new Float32Array(rows * cols)
  for (let i = 0; i < out.length; i++) out[i] = prng.nextNormal() * scale
  return out
}

/** Seeded integer-valued logits in [low, high]: many exact ties, to pin the lower-id rule. */
export function createTiedLogits(seed: Seed, rows: number, cols: number, low = -2, high = 2): Float32Array {
  const prng = createPrng(seed, 'testing.tied-logits')
  const out = new Float32Array(rows * cols)
  for (let i = 0; i < out.length; i++) out[i] = low + prng.nextInt(high - low + 1)
  return out
}

/** Seeded expert ids in [0, numExperts). */
export function createRandomIds(seed: Seed, length: number, numExperts: number): Int32Array {
  const prng = createPrng(seed, 'testing.ids')
  const out = new Int32Array(length)
  for (let i = 0; i < length; i++) out[i] = prng.nextInt(numExperts)
  return out
}
