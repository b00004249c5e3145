import { createPrng, defineStrategy, readTokenCount, type Prng, type StrategyDefinition } from '@routesim/core'

// Small self-contained strategies so the loop's tests do not depend on other packages' progress.

function distinctRows(T: number, E: number, k: number, draw: () => number): Int32Array {
  const ids = new Int32Array(T * k)
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < k; j++) {
      let e: number
      do {
        e = draw()
        let dup = false
        for (let q = 0; q < j; q++) if (ids[t * k + q] === e) dup = true
        if (!dup) break
      } while (true)
      ids[t * k + j] = e
    }
  }
  return ids
}

export const uniformDistinct: StrategyDefinition = defineStrategy({
  name: 'test_uniform',
  description: 'k distinct experts uniformly at random',
  parameters: {},
  create: () => ({
    routeTokens(hidden, logits, topK, _dtype, context) {
      const T = readTokenCount(hidden)
      const E = logits.shape[1]!
      const prng: Prng = context?.prng ?? createPrng(0)
      const ids = distinctRows(T, E, topK, () => prng.nextInt(E))
      return [
        { data: new Float32Array(T * topK).fill(1 / topK), shape: [T, topK] },
        { data: ids, shape: [T, topK] },
      ]
    },
  }),
})

/** Experts weighted 1/(rank+1)^s over a seed-fixed permutation; draws k distinct by rejection. */
export const skewed: StrategyDefinition = defineStrategy({
  name: 'test_skewed',
  description: 'zipf-like distinct experts',
  parameters: { s: { type: 'number', description: 'exponent', min: 0, default: 1.2 } },
  create: (params, { seed }) => ({
    routeTokens(hidden, logits, topK, _dtype, context) {
      const T = readTokenCount(hidden)
      const E = logits.shape[1]!
      const perm = Array.from({ length: E }, (_, i) => i)
      const p = createPrng(seed ?? 0, 'perm')
      for (let i = E - 1; i > 0; i--) {
        const j = p.nextInt(i + 1)
        ;[perm[i], perm[j]] = [perm[j]!, perm[i]!]
      }
      const cdf = new Float64Array(E)
      let acc = 0
      for (let r = 0; r < E; r++) cdf[r] = acc += 1 / Math.pow(r + 1, params['s'] as number)
      const prng: Prng = context?.prng ?? createPrng(0)
      const ids = distinctRows(T, E, topK, () => {
        const u = prng.nextDouble() * acc
        let lo = 0
        let hi = E - 1
        while (lo < hi) {
          const mid = (lo + hi) >> 1
          if (cdf[mid]! > u) hi = mid
          else lo = mid + 1
        }
        return perm[lo]!
      })
      return [
        { data: new Float32Array(T * topK).fill(1 / topK), shape: [T, topK] },
        { data: ids, shape: [T, topK] },
      ]
    },
  }),
})

/** Reads logits: top-k of the row (a minimal real router), to check the loop feeds logits. */
export const logitTopK: StrategyDefinition = defineStrategy({
  name: 'test_logit_topk',
  description: 'top-k of the logits',
  parameters: {},
  usesLogits: true,
  create: () => ({
    routeTokens(hidden, logits, topK) {
      const T = readTokenCount(hidden)
      const E = logits.shape[1]!
      const data = logits.data as Float32Array
      const ids = new Int32Array(T * topK)
      for (let t = 0; t < T; t++) {
        const row = Array.from(data.subarray(t * E, (t + 1) * E), (v, e) => [v, e] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
        for (let j = 0; j < topK; j++) ids[t * topK + j] = row[j]![1]
      }
      return [
        { data: new Float32Array(T * topK).fill(1 / topK), shape: [T, topK] },
        { data: ids, shape: [T, topK] },
      ]
    },
  }),
})

export const TEST_DEFINITIONS: readonly StrategyDefinition[] = [uniformDistinct, skewed, logitTopK]
