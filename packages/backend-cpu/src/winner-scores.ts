import { InvalidArgumentError } from '@routesim/core'
import type { ScoringFunction, SoftmaxNormalizer } from '@routesim/core'

/**
 * The winners' unbiased scores `[rows, k]` from what a top-k kernel returns, exactly as the reference
 * computes them (float64, stored as float32): softmax exp(l − max) / sum with the row's normaliser,
 * sigmoid 1 / (1 + e^−l), or the logit itself. Routers build weights on these; backends that still fill
 * the deprecated `TopKOutput.weights` fill it with this.
 */
export function winnerScores(winnerLogits: Float32Array, k: number, scoring: ScoringFunction, normalizer?: SoftmaxNormalizer): Float32Array {
  const out = new Float32Array(winnerLogits.length)
  if (scoring === 'logits') {
    out.set(winnerLogits)
    return out
  }
  if (scoring === 'sigmoid') {
    for (let i = 0; i < winnerLogits.length; i++) out[i] = 1 / (1 + Math.exp(-winnerLogits[i]!))
    return out
  }
  const rows = winnerLogits.length / k
  if (normalizer === undefined || normalizer.max.length !== rows || normalizer.sum.length !== rows) {
    throw new InvalidArgumentError({
      parameter: 'normalizer',
      value: normalizer,
      allowed: `a softmax normaliser of ${rows} rows (ask topK for it with options.normalizer)`,
    })
  }
  for (let r = 0; r < rows; r++) {
    const max = normalizer.max[r]!
    const sum = normalizer.sum[r]!
    for (let i = r * k; i < (r + 1) * k; i++) out[i] = Math.exp(winnerLogits[i]! - max) / sum
  }
  return out
}

/**
 * Each row's softmax normaliser (max logit, Σ exp(l − max) in row order), as the reference kernels compute
 * it: for backends whose kernel selects without it, and for routers given a backend that did not return it.
 * `firstWinners` (the ids `[rows, k]`), when each row's first winner is known to hold its largest logit,
 * spares the scan for the max.
 */
export function softmaxNormalizer(
  logits: Float32Array,
  rows: number,
  cols: number,
  firstWinners?: { readonly ids: Int32Array; readonly k: number },
): SoftmaxNormalizer {
  const max = new Float64Array(rows)
  const sum = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    let m: number
    if (firstWinners !== undefined) {
      m = logits[base + firstWinners.ids[r * firstWinners.k]!]!
    } else {
      m = -Infinity
      for (let j = 0; j < cols; j++) if (logits[base + j]! > m) m = logits[base + j]!
    }
    let s = 0
    for (let j = 0; j < cols; j++) s += Math.exp(logits[base + j]! - m)
    max[r] = m
    sum[r] = s
  }
  return { max, sum }
}
