import { InvalidArgumentError, assertPrng, checkLimit } from '@routesim/core'
import type { Prng } from '@routesim/core'

/**
 * Routes T tokens to k distinct experts each so that expert e receives exactly `counts[e]` tokens
 * (Σ counts = T·k, every count ≤ T — exactly the feasible column sums of a 0/1 matrix with row sums k).
 *
 * Experts are laid out in a random order as runs of length counts[e] over T·k slots; slot p goes
 * to token p mod T. A run is at most T long, so it never hits one token twice. Tokens are then
 * shuffled, and each row's order too, so which tokens share experts is random.
 */
export function assignExactCounts(counts: Int32Array, numTokens: number, topK: number, prng: Prng, out: Int32Array): void {
  if (!(counts instanceof Int32Array)) throw new InvalidArgumentError({ parameter: 'counts', value: counts, allowed: 'an Int32Array of per-expert counts' })
  checkLimit('numTokens', numTokens, 'maxTokens', 0)
  checkLimit('topK', topK, 'maxTopK', 1)
  assertPrng('prng', prng)
  if (!(out instanceof Int32Array) || out.length !== numTokens * topK) {
    throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: `an Int32Array of T × k = ${numTokens * topK} ids` })
  }
  const n = counts.length
  let total = 0
  for (let e = 0; e < n; e++) {
    const c = counts[e]!
    if (c < 0 || c > numTokens) {
      throw new InvalidArgumentError({ parameter: `counts[${e}]`, value: c, allowed: `an integer in [0, ${numTokens}] (T)` })
    }
    total += c
  }
  if (total !== numTokens * topK) {
    throw new InvalidArgumentError({ parameter: 'counts (sum)', value: total, allowed: `${numTokens * topK} (T × k)` })
  }
  if (numTokens === 0) return
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  shuffle(order, prng)
  const rowOf = new Int32Array(numTokens)
  for (let t = 0; t < numTokens; t++) rowOf[t] = t
  shuffle(rowOf, prng)
  let p = 0
  for (let i = 0; i < n; i++) {
    const e = order[i]!
    for (let c = counts[e]!; c > 0; c--, p++) out[rowOf[p % numTokens]! * topK + Math.floor(p / numTokens)] = e
  }
  for (let t = 0; t < numTokens; t++) {
    const base = t * topK
    for (let j = topK - 1; j > 0; j--) {
      const r = prng.nextInt(j + 1)
      const tmp = out[base + j]!
      out[base + j] = out[base + r]!
      out[base + r] = tmp
    }
  }
}

/** Fisher–Yates in place. */
export function shuffle(a: Int32Array, prng: Prng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = prng.nextInt(i + 1)
    const t = a[i]!
    a[i] = a[j]!
    a[j] = t
  }
}
