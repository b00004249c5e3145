/*
 * Weight transforms applied after selection, in float64 from the selected logits (O(T·k)): exact and free of
 * underflow, so a renormalized row never becomes 0/0 however negative its logits are. They read the winners'
 * logits as a `[T, k]` array (`winnerLogits` of a Selection), contiguous, not gathered from `[T, E]`.
 */

/** log σ(x) = −softplus(−x), stable for every finite x. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x))
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))
}

/** Softmax over each row's k selected logits (≡ softmax over all E, top-k, renormalize). */
export function softmaxOfSelected(selected: Float32Array, k: number, scale: number, out: Float32Array): void {
  const rows = selected.length / k
  const e = new Float64Array(k)
  for (let r = 0; r < rows; r++) {
    const base = r * k
    // A plain compare (selected logits are finite): Math.max pays for NaN and −0 handling.
    let max = selected[base]!
    for (let i = 1; i < k; i++) {
      const x = selected[base + i]!
      if (x > max) max = x
    }
    let sum = 0
    for (let i = 0; i < k; i++) {
      const v = Math.exp(selected[base + i]! - max)
      e[i] = v
      sum += v
    }
    const f = scale / sum
    for (let i = 0; i < k; i++) out[base + i] = e[i]! * f
  }
}

/** σ of each selected logit, times `scale`. */
export function sigmoidOfSelected(selected: Float32Array, scale: number, out: Float32Array): void {
  for (let i = 0; i < selected.length; i++) out[i] = sigmoid(selected[i]!) * scale
}

/** Above this logit, σ = 1/(1 + e^−x) is a normal double (e^700 < 2^1010), so the direct form cannot underflow. */
const DIRECT_SIGMOID_MIN = -700

/**
 * σ of the selected logits divided by their row sum (no epsilon, as vLLM): directly when every σ of the row
 * is a normal double, else in log space, so a row of very negative logits never becomes 0/0.
 */
export function renormalizedSigmoidOfSelected(selected: Float32Array, k: number, scale: number, out: Float32Array): void {
  const rows = selected.length / k
  const logS = new Float64Array(k)
  const s = new Float64Array(k)
  for (let r = 0; r < rows; r++) {
    const base = r * k
    let direct = true
    let sum = 0
    for (let i = 0; i < k; i++) {
      const x = selected[base + i]!
      if (!(x > DIRECT_SIGMOID_MIN)) direct = false
      s[i] = 1 / (1 + Math.exp(-x))
      sum += s[i]!
    }
    if (direct) {
      for (let i = 0; i < k; i++) out[base + i] = (s[i]! / sum) * scale
      continue
    }
    let max = -Infinity
    for (let i = 0; i < k; i++) {
      logS[i] = logSigmoid(selected[base + i]!)
      max = Math.max(max, logS[i]!)
    }
    let logSum = 0
    for (let i = 0; i < k; i++) logSum += Math.exp(logS[i]! - max)
    for (let i = 0; i < k; i++) out[base + i] = (Math.exp(logS[i]! - max) / logSum) * scale
  }
}

/**
 * Generic per-row post-processing of unbiased scores (float64 in, float32 out):
 * optional division by (Σ + epsilon) — the HF/Megatron form — then × scale.
 */
export function finishScores(scores: Float64Array, k: number, normalize: boolean, epsilon: number, scale: number, out: Float32Array): void {
  const rows = scores.length / k
  for (let r = 0; r < rows; r++) {
    const base = r * k
    let divisor = 1
    if (normalize) {
      let sum = 0
      for (let i = 0; i < k; i++) sum += scores[base + i]!
      divisor = sum + epsilon
    }
    for (let i = 0; i < k; i++) out[base + i] = (scores[base + i]! / divisor) * scale
  }
}

/** Unbiased sigmoid scores of the selected experts, in float64. */
export function selectedSigmoidScores(selected: Float32Array): Float64Array {
  const out = new Float64Array(selected.length)
  for (let i = 0; i < selected.length; i++) out[i] = sigmoid(selected[i]!)
  return out
}
