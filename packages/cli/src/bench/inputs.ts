import { createPrng } from '@routesim/core'
import { sampleNormal, sampleUniformInts } from '@routesim/distributions'
import type { BenchShape } from './workloads.ts'

/**
 * Inputs shared by every target of one run, made once outside the timed region from a fixed seed
 * (as torch_baseline.py makes its logits and ids before timing): router logits ~ N(0,1) `[T, E]`,
 * a DeepSeek-V3-style correction bias ~ 0.1·N(0,1), and uniform ids `[T, k]` for the histogram.
 */
export interface BenchInputs {
  logits(rows: number): Float32Array
  bias(): Float32Array
  histogramIds(rows: number): Int32Array
}

export function createBenchInputs(shape: BenchShape, seed: number): BenchInputs {
  const cache = new Map<string, Float32Array | Int32Array>()
  function memo<T extends Float32Array | Int32Array>(key: string, make: () => T): T {
    let value = cache.get(key) as T | undefined
    if (value === undefined) {
      value = make()
      cache.set(key, value)
    }
    return value
  }
  return {
    logits: (rows) => memo(`logits:${rows}`, () => sampleNormal(new Float32Array(rows * shape.experts), 0, 1, createPrng(seed, 'bench', 'logits', rows))),
    bias: () => memo('bias', () => sampleNormal(new Float32Array(shape.experts), 0, 0.1, createPrng(seed, 'bench', 'bias'))),
    histogramIds: (rows) =>
      memo(`ids:${rows}`, () => sampleUniformInts(new Int32Array(rows * shape.topK), shape.experts, createPrng(seed, 'bench', 'ids', rows))),
  }
}
