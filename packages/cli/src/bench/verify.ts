import { InvalidArgumentError } from '@routesim/core'

/**
 * Cheap checks on a benchmark's outputs, run once after timing (never inside the timed region), so a
 * broken or lazy kernel cannot post a fast number. Each failure names the workload and what is wrong.
 */
function fail(workload: string, what: string): never {
  throw new InvalidArgumentError({
    parameter: `${workload} output`,
    value: what,
    allowed: 'outputs of the documented shape and ranges',
    message: `Benchmark ${workload} produced a wrong output: ${what}.`,
  })
}

export function checkIds(workload: string, ids: ArrayLike<number>, rows: number, k: number, experts: number, options: { distinct: boolean }): void {
  if (ids.length !== rows * k) fail(workload, `ids has length ${ids.length}, expected ${rows * k}`)
  const seen = new Int32Array(experts).fill(-1)
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      const id = ids[r * k + j]!
      if (!(id >= 0 && id < experts && Number.isInteger(id))) fail(workload, `ids[${r * k + j}] = ${id} is not in [0, ${experts})`)
      if (options.distinct) {
        if (seen[id] === r) fail(workload, `row ${r} repeats expert ${id}`)
        seen[id] = r
      }
    }
  }
}

export function checkWeights(
  workload: string,
  weights: ArrayLike<number>,
  rows: number,
  k: number,
  rule: { kind: 'ones' } | { kind: 'rowSum'; sum: number; tolerance: number },
): void {
  if (weights.length !== rows * k) fail(workload, `weights has length ${weights.length}, expected ${rows * k}`)
  for (let r = 0; r < rows; r++) {
    let sum = 0
    for (let j = 0; j < k; j++) {
      const w = weights[r * k + j]!
      if (!(w >= 0 && Number.isFinite(w))) fail(workload, `weights[${r * k + j}] = ${w}`)
      if (rule.kind === 'ones' && w !== 1) fail(workload, `weights[${r * k + j}] = ${w}, expected 1`)
      sum += w
    }
    if (rule.kind === 'rowSum' && Math.abs(sum - rule.sum) > rule.tolerance) {
      fail(workload, `row ${r} weights sum to ${sum}, expected ${rule.sum}`)
    }
  }
}

/** Top-k rows must be ordered by non-increasing weight when the weights are the selection scores. */
export function checkDescending(workload: string, weights: ArrayLike<number>, rows: number, k: number): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 1; j < k; j++) {
      if (weights[r * k + j]! > weights[r * k + j - 1]!) fail(workload, `row ${r} weights are not in descending order`)
    }
  }
}

export function checkLength(workload: string, what: string, values: { length: number }, expected: number): void {
  if (values.length !== expected) fail(workload, `${what} has length ${values.length}, expected ${expected}`)
}

export function checkCounts(workload: string, counts: ArrayLike<number>, experts: number, total: number): void {
  if (counts.length !== experts) fail(workload, `counts has length ${counts.length}, expected ${experts}`)
  let sum = 0
  for (let e = 0; e < experts; e++) {
    const c = counts[e]!
    if (!(c >= 0 && Number.isInteger(c))) fail(workload, `counts[${e}] = ${c}`)
    sum += c
  }
  if (sum !== total) fail(workload, `counts sum to ${sum}, expected ${total}`)
}

export function checkBalancedness(workload: string, values: ArrayLike<number>, layers: number, epSize: number): void {
  if (values.length !== layers) fail(workload, `balancedness has ${values.length} layers, expected ${layers}`)
  for (let l = 0; l < layers; l++) {
    const b = values[l]!
    if (!(b >= 1 / epSize - 1e-12 && b <= 1 + 1e-12)) fail(workload, `balancedness[${l}] = ${b} is outside [1/${epSize}, 1]`)
  }
}
