import { InvalidArgumentError, assertPrng } from '@routesim/core'
import type { Prng } from '@routesim/core'

/**
 * Walker/Vose alias table: O(n) to build, O(1) per draw from a fixed discrete distribution.
 * `threshold[i]` is the probability of keeping column i (else `alias[i]`), `probabilities` the
 * normalised input weights (the exact distribution the table represents).
 */
export interface AliasTable {
  readonly size: number
  readonly probabilities: Float64Array
  readonly threshold: Float64Array
  readonly alias: Int32Array
  /** Number of entries with a positive weight. */
  readonly support: number
}

/** An array or a typed array (not a string, an object with a length, or nothing). */
function isNumberList(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))
}

/**
 * Checks per-item weights: finite, ≥ 0, not all zero. Returns their sum.
 * `parameter` names the input in the error (e.g. `categorical.weights`).
 */
export function validateWeights(parameter: string, weights: ArrayLike<number>): number {
  if (!isNumberList(weights)) {
    throw new InvalidArgumentError({ parameter, value: weights, allowed: 'an array or typed array of finite weights ≥ 0' })
  }
  if (weights.length === 0) {
    throw new InvalidArgumentError({ parameter, value: weights, allowed: 'a non-empty list of finite weights ≥ 0' })
  }
  let sum = 0
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new InvalidArgumentError({
        parameter: `${parameter}[${i}]`,
        value: w,
        allowed: 'a finite number ≥ 0',
      })
    }
    sum += w
  }
  if (!(sum > 0) || !Number.isFinite(sum)) {
    throw new InvalidArgumentError({
      parameter,
      value: weights,
      allowed: 'weights with a positive, finite sum (at least one weight > 0)',
    })
  }
  return sum
}

/** Builds an alias table from non-negative weights (normalised internally). */
export function createAliasTable(weights: ArrayLike<number>, parameter = 'weights'): AliasTable {
  const total = validateWeights(parameter, weights)
  const n = weights.length
  const probabilities = new Float64Array(n)
  for (let i = 0; i < n; i++) probabilities[i] = weights[i]! / total
  return aliasFromProbabilities(probabilities)
}

let aliasWork = new Int32Array(1024)

/**
 * Vose's construction over already-normalised probabilities (monomorphic: Float64Array only).
 * Three allocations: `threshold` holds the scaled masses while they are paired off, and one work
 * array holds both stacks (small from the front, large from the back; together at most n).
 */
export function aliasFromProbabilities(probabilities: Float64Array): AliasTable {
  const n = probabilities.length
  const threshold = new Float64Array(n)
  const alias = new Int32Array(n)
  // The stacks are scratch: one per thread, grown as needed (an allocation per table costs more than small tables' work).
  if (aliasWork.length < n) aliasWork = new Int32Array(n)
  const work = aliasWork
  let support = 0
  let ns = 0
  let nl = 0
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!
    const scaled = p * n
    threshold[i] = scaled
    if (p > 0) support++
    if (scaled < 1) work[ns++] = i
    else work[n - 1 - nl++] = i
  }
  // A column's scaled mass is final once it is on the small stack, so it is its threshold.
  while (ns > 0 && nl > 0) {
    const s = work[--ns]!
    const l = work[n - nl]!
    alias[s] = l
    threshold[l] = threshold[l]! + threshold[s]! - 1
    if (threshold[l]! < 1) {
      nl--
      work[ns++] = l
    }
  }
  // Leftovers are 1 up to rounding. A zero-weight leftover must never be drawn, so it aliases a
  // positive-weight column instead of keeping itself.
  let anyPositive = 0
  for (let i = 0; i < n; i++) if (probabilities[i]! > 0) anyPositive = i
  for (let i = 0; i < nl; i++) {
    const l = work[n - 1 - i]!
    threshold[l] = 1
    alias[l] = l
  }
  for (let i = 0; i < ns; i++) {
    const s = work[i]!
    threshold[s] = 1
    alias[s] = s
  }
  for (let i = 0; i < n; i++) {
    if (probabilities[i] === 0) {
      threshold[i] = 0
      if (probabilities[alias[i]!] === 0) alias[i] = anyPositive
    }
  }
  return { size: n, probabilities, threshold, alias, support }
}

/** One draw from the table: a 53-bit uniform picks the column and, with its fraction, the side. */
export function sampleAlias(table: AliasTable, prng: Prng): number {
  if (typeof table !== 'object' || table === null || !(table.threshold instanceof Float64Array) || !(table.alias instanceof Int32Array)) {
    throw new InvalidArgumentError({ parameter: 'table', value: table, allowed: 'an AliasTable from createAliasTable' })
  }
  return drawAlias(table, assertPrng('prng', prng))
}

/** `sampleAlias` without argument checks, for samplers that built the table themselves (one call per draw). */
export function drawAlias(table: AliasTable, prng: Prng): number {
  const x = prng.nextDouble() * table.size
  const i = x | 0
  return x - i < table.threshold[i]! ? i : table.alias[i]!
}
