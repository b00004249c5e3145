import type { SamplingKind } from '@routesim/core'
import { chiSquareTest } from './chi-square.ts'
import type { ChiSquareResult } from './chi-square.ts'

export interface SamplingStatistic {
  /** What is tested, e.g. 'first-slot frequencies'. */
  readonly name: string
  /** Observed and expected counts, kept so results from many seeds can be pooled. */
  readonly observed: Float64Array
  readonly expected: Float64Array
  readonly result: ChiSquareResult
}

function statistic(name: string, observed: Float64Array, expected: Float64Array): SamplingStatistic {
  return { name, observed, expected, result: chiSquareTest(observed, expected) }
}

/**
 * χ² goodness-of-fit statistics of one `sampleIds` output against the exact law of its kind:
 * - `uniform_iid`: all-slot frequencies uniform; the share of rows holding a repeated id equals 1 − Π(1 − i/E);
 * - `uniform_distinct`: first-slot and all-slot frequencies uniform; ordered (first, second) pairs uniform;
 * - `categorical_distinct` (Plackett–Luce): first slot ∝ w; second slot P(j) = Σ_{i≠j} p_i · w_j / (W − w_i).
 */
export function samplingStatistics(
  kind: SamplingKind,
  ids: Int32Array,
  rows: number,
  numExperts: number,
  k: number,
  weights?: Float64Array,
): SamplingStatistic[] {
  const E = numExperts
  const all = new Float64Array(E)
  const first = new Float64Array(E)
  const second = new Float64Array(E)
  const pairs = new Float64Array(E * E)
  let rowsWithRepeat = 0
  const seen = new Int32Array(E).fill(-1)
  for (let r = 0; r < rows; r++) {
    let repeat = false
    for (let i = 0; i < k; i++) {
      const id = ids[r * k + i]!
      all[id]!++
      if (seen[id] === r) repeat = true
      seen[id] = r
    }
    if (repeat) rowsWithRepeat++
    first[ids[r * k]!]!++
    if (k > 1) {
      second[ids[r * k + 1]!]!++
      pairs[ids[r * k]! * E + ids[r * k + 1]!]!++
    }
  }
  const out: SamplingStatistic[] = []
  if (kind === 'uniform_iid') {
    out.push(statistic('all-slot frequencies', all, new Float64Array(E).fill((rows * k) / E)))
    let pDistinct = 1
    for (let i = 0; i < k; i++) pDistinct *= 1 - i / E
    const repeats = new Float64Array([rowsWithRepeat, rows - rowsWithRepeat])
    out.push(statistic('rows with a repeated id', repeats, new Float64Array([rows * (1 - pDistinct), rows * pDistinct])))
  } else if (kind === 'uniform_distinct') {
    out.push(statistic('first-slot frequencies', first, new Float64Array(E).fill(rows / E)))
    out.push(statistic('all-slot frequencies', all, new Float64Array(E).fill((rows * k) / E)))
    if (k > 1 && E > 1) {
      const expected = new Float64Array(E * E)
      for (let a = 0; a < E; a++) for (let b = 0; b < E; b++) if (a !== b) expected[a * E + b] = rows / (E * (E - 1))
      out.push(statistic('ordered (first, second) pairs', pairs, expected))
    }
  } else {
    const w = weights!
    let total = 0
    for (let j = 0; j < E; j++) total += w[j]!
    const p = Array.from(w, (x) => x / total)
    out.push(
      statistic(
        'first-slot frequencies',
        first,
        Float64Array.from(p, (x) => x * rows),
      ),
    )
    if (k > 1) {
      const q = new Float64Array(E)
      for (let j = 0; j < E; j++) {
        for (let i = 0; i < E; i++) if (i !== j && w[i]! < total) q[j]! += (p[i]! * w[j]!) / (total - w[i]!)
      }
      out.push(
        statistic(
          'second-slot frequencies',
          second,
          q.map((x) => x * rows),
        ),
      )
    }
  }
  return out
}
