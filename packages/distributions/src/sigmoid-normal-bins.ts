import { InvalidArgumentError, type Prng } from '@routesim/core'
import { assertPrng, MAX_RANGE, assertInt32Output, assertInteger, assertNormalParameters, assertRowsLength } from './argument-checks.ts'
import { zigguratWords } from './normal.ts'
import { fillNormals } from './ziggurat.ts'
import { normalCdf } from './special-functions.ts'
import { WordBlocks } from './word-blocks.ts'
import { SigmoidBinTable, sigmoidBin } from './sigmoid-bin-table.ts'
import { HALF_WORD_MAX_CATEGORIES, HalfWordAlias } from './half-word-alias.ts'

/** Normals generated per batch into a scratch array, then mapped to ids. */
const CHUNK = 8192
/** Normals generated ahead for the distinct sampler (leftovers at the end of a call are dropped). */
const DISTINCT_BATCH = 256
/** Redraws per slot before the exact conditional draw takes over (keeps hot-expert cases bounded). */
const MAX_REDRAWS = 64
/** Below this remaining mass (≥ 8 expected redraws) a slot goes straight to the exact conditional draw. */
const MIN_REJECTION_MASS = 1 / 8
/**
 * The alias path needs every bin's probability well above normalCdf's absolute rounding (~1e-16),
 * so that its relative error (≤ ~1e-7 here) is far below anything a sample could detect.
 */
const MIN_ALIAS_PROBABILITY = 1e-9
/** Alias tables kept for reuse (building one costs 2^16 cells + E normalCdf calls). */
const ALIAS_CACHE_SIZE = 4
const aliasCache = new Map<string, HalfWordAlias | null>()

/**
 * Fills `out` with the seed's `normal_routing` ids: z ~ N(mean, std²) i.i.d., id = sigmoidBin(z).
 * Ids may repeat within a row, as in the seed. For mean 0, 2 ≤ E ≤ 256 and every bin's probability
 * ≥ 1e-9 (the seed's defaults among them), an id depends only on z's bin, so it is drawn directly
 * from P(id = j) (`sigmoidNormalBinProbabilities`) by an alias table, 16 bits per id (see
 * `HalfWordAlias` for its exactness bound). Otherwise the z values are exactly what `sampleNormal`
 * (ziggurat) would draw for `out.length` values, mapped through sigmoidBin.
 */
export function sampleSigmoidNormalBins(out: Int32Array, numBins: number, mean: number, std: number, prng: Prng): Int32Array {
  assertPrng('prng', prng)
  assertInt32Output('out', out)
  assertInteger('numBins', numBins, { min: 1, max: MAX_RANGE })
  assertNormalParameters(mean, std, { strictStd: false })
  const alias = mean === 0 && std > 0 ? binAlias(numBins, std) : null
  if (alias) {
    // Two ids per word, plus one word per rare straddling cell (≤ 0.8%).
    const blocks = new WordBlocks(prng, Math.ceil(out.length / 2) + (out.length >>> 7))
    alias.fill(out, blocks)
    return out
  }
  const z = new Float64Array(Math.min(CHUNK, out.length))
  const blocks = new WordBlocks(prng, zigguratWords(out.length))
  const table = SigmoidBinTable.worthwhile(numBins, out.length) ? new SigmoidBinTable(numBins, out.length) : undefined
  for (let start = 0; start < out.length; start += CHUNK) {
    const n = Math.min(CHUNK, out.length - start)
    fillNormals(z, 0, n, mean, std, blocks)
    if (table) {
      table.mapInto(z, n, out, start)
      continue
    }
    for (let i = 0; i < n; i++) {
      const b = Math.floor(numBins / (1 + Math.exp(-z[i]!)))
      out[start + i] = b >= numBins ? numBins - 1 : b < 0 ? 0 : b
    }
  }
  return out
}

/** The cached alias table of mean-0 normal routing over `numBins` bins, or null where it does not apply. */
function binAlias(numBins: number, std: number): HalfWordAlias | null {
  if (numBins < 2 || numBins > HALF_WORD_MAX_CATEGORIES) return null
  const key = `${numBins}:${std}`
  let alias = aliasCache.get(key)
  if (alias === undefined) {
    const p = sigmoidNormalBinProbabilities(numBins, 0, std)
    alias = p.every((v) => v >= MIN_ALIAS_PROBABILITY) ? new HalfWordAlias(p) : null
    if (aliasCache.size >= ALIAS_CACHE_SIZE) aliasCache.delete(aliasCache.keys().next().value!)
    aliasCache.set(key, alias)
  }
  return alias
}

/**
 * P(id = j) of the seed's normal routing:
 * Φ((logit((j+1)/E) − mean)/std) − Φ((logit(j/E) − mean)/std). Sums to 1 (up to rounding).
 */
export function sigmoidNormalBinProbabilities(numBins: number, mean: number, std: number): Float64Array {
  assertInteger('numBins', numBins, { min: 1, max: 2 ** 22 })
  assertNormalParameters(mean, std, { strictStd: true })
  const p = new Float64Array(numBins)
  let previous = 0 // Φ at logit(0) = −∞
  for (let j = 0; j < numBins; j++) {
    const edge = j + 1 === numBins ? Infinity : Math.log((j + 1) / (numBins - j - 1))
    const cdf = normalCdf((edge - mean) / std)
    p[j] = Math.max(0, cdf - previous)
    previous = cdf
  }
  return p
}

/**
 * Distance in logit space from `mean` to bin j's interval [logit(j/E), logit((j+1)/E)): the bin
 * that a vanishing-probability tail reaches first is the nearest one.
 */
function binDistance(j: number, numBins: number, mean: number): number {
  const lo = j === 0 ? -Infinity : Math.log(j / (numBins - j))
  const hi = j + 1 === numBins ? Infinity : Math.log((j + 1) / (numBins - j - 1))
  return mean < lo ? lo - mean : mean >= hi ? mean - hi : 0
}

/**
 * k DISTINCT normal-routing ids per row, drawn without replacement from the seed's per-expert
 * probabilities (successive sampling: each slot is P conditioned on the ids not yet in the row).
 * A slot redraws z until its bin is new; when the row's remaining mass is below 1/8, or after 64
 * redraws, it draws from the exact conditional distribution instead (O(E), with a double taken
 * from the Prng directly, between word blocks) (so a dominant expert cannot stall the loop). Where the remaining mass
 * underflows to 0 in double precision, the nearest remaining bin to the mean is taken — the limit
 * of the conditional distribution, since Gaussian tails fall off faster than any bin ratio.
 */
export function sampleSigmoidNormalBinsDistinct(out: Int32Array, rows: number, numBins: number, k: number, mean: number, std: number, prng: Prng): Int32Array {
  assertPrng('prng', prng)
  assertInt32Output('out', out)
  assertInteger('rows', rows, { min: 0 })
  assertInteger('numBins', numBins, { min: 1, max: 2 ** 22 })
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > numBins) {
    throw new InvalidArgumentError({ parameter: 'k', value: k, allowed: `an integer in [1, ${numBins}] (k distinct ids need k ≤ numBins)` })
  }
  assertNormalParameters(mean, std, { strictStd: true })
  assertRowsLength('out', out, rows, k)
  const probabilities = sigmoidNormalBinProbabilities(numBins, mean, std)
  // Planned for no redraws; redraws take extra blocks.
  const blocks = new WordBlocks(prng, zigguratWords(rows * k))
  const z = new Float64Array(DISTINCT_BATCH)
  const candidates = new Int32Array(DISTINCT_BATCH) // the bins of z, mapped a batch at a time
  let zi = DISTINCT_BATCH
  const table = SigmoidBinTable.worthwhile(numBins, rows * k) ? new SigmoidBinTable(numBins, rows * k) : undefined
  const taken = new Uint8Array(numBins)
  let base = 0
  for (let r = 0; r < rows; r++) {
    let massLeft = 1
    for (let i = 0; i < k; i++) {
      let id = -1
      const redraws = massLeft < MIN_REJECTION_MASS ? 0 : MAX_REDRAWS
      for (let attempt = 0; attempt < redraws; attempt++) {
        if (zi === DISTINCT_BATCH) {
          fillNormals(z, 0, DISTINCT_BATCH, mean, std, blocks)
          if (table) table.mapInto(z, DISTINCT_BATCH, candidates, 0)
          else for (let b = 0; b < DISTINCT_BATCH; b++) candidates[b] = sigmoidBin(z[b]!, numBins)
          zi = 0
        }
        const candidate = candidates[zi++]!
        if (taken[candidate] === 0) {
          id = candidate
          break
        }
      }
      if (id < 0) id = exactConditional(probabilities, taken, numBins, mean, prng)
      massLeft -= probabilities[id]!
      taken[id] = 1
      out[base + i] = id
    }
    for (let i = 0; i < k; i++) taken[out[base + i]!] = 0
    base += k
  }
  return out
}

function exactConditional(p: Float64Array, taken: Uint8Array, numBins: number, mean: number, prng: Prng): number {
  let mass = 0
  for (let j = 0; j < numBins; j++) if (taken[j] === 0) mass += p[j]!
  if (mass > 0) {
    let u = prng.nextDouble() * mass
    let last = -1
    for (let j = 0; j < numBins; j++) {
      if (taken[j] !== 0 || p[j] === 0) continue
      last = j
      u -= p[j]!
      if (u < 0) return j
    }
    if (last >= 0) return last // rounding left a sliver of u: it belongs to the last bin with mass
  }
  let best = -1
  let bestDistance = Infinity
  for (let j = 0; j < numBins; j++) {
    if (taken[j] !== 0) continue
    const d = binDistance(j, numBins, mean)
    if (d < bestDistance) {
      best = j
      bestDistance = d
    }
  }
  return best
}
