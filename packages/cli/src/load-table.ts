import Table from 'cli-table3'
import { bar, fixed, padStart } from './format.ts'

/** Experts listed one per row (with a bar) up to this many; beyond it, a grid of counts. */
export const PER_EXPERT_ROWS_MAX = 32
/** Beyond this many experts the grid is too long to read; only the histogram and extremes are shown. */
export const GRID_MAX_EXPERTS = 512

const PLAIN = { head: [] as string[], border: [] as string[] }

/** A table with no colours, so output is the same in a terminal, a pipe and a test. */
export function plainTable(options: ConstructorParameters<typeof Table>[0] = {}): InstanceType<typeof Table> {
  return new Table({ ...options, style: { ...PLAIN, ...options.style } })
}

function meanOf(counts: ArrayLike<number>): number {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  return counts.length ? total / counts.length : 0
}

/** One row per expert: id, tokens, load ÷ mean and a bar scaled to the hottest expert. */
export function perExpertTable(counts: ArrayLike<number>, barWidth = 36): string {
  const mean = meanOf(counts)
  let max = 0
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i]!)
  const table = plainTable({
    head: ['expert', 'tokens', '÷ mean', 'load'],
    colAligns: ['right', 'right', 'right', 'left'],
    style: { compact: true },
  })
  for (let e = 0; e < counts.length; e++) {
    const c = counts[e]!
    table.push([e, c, mean > 0 ? fixed(c / mean, 2) : '–', bar(c, max, barWidth)])
  }
  return table.toString()
}

/** Counts laid out `perRow` experts to a row; the first column names the experts on that row. */
export function expertGrid(counts: ArrayLike<number>, perRow: number): string {
  const width = String(counts.length - 1).length
  const head = ['experts', ...Array.from({ length: perRow }, (_, j) => `+${j}`)]
  const table = plainTable({ head, colAligns: ['right', ...Array<'right'>(perRow).fill('right')], style: { compact: true } })
  for (let start = 0; start < counts.length; start += perRow) {
    const end = Math.min(start + perRow, counts.length)
    const row: (number | string)[] = [`${padStart(String(start), width)}–${padStart(String(end - 1), width)}`]
    for (let e = start; e < start + perRow; e++) row.push(e < end ? counts[e]! : '')
    table.push(row)
  }
  return table.toString()
}

/**
 * Bin edges for the load histogram, ascending; bin b holds loads in [edges[b], edges[b + 1]).
 * Even loads (max ≤ 4 × the smallest non-zero load) get up to `bins` equal-width bins; skewed loads
 * get bins that double in size, in multiples of the mean (…, ¼, ½, 1, 2, 4, … × mean), so a few hot
 * experts do not squash every other expert into the first bin. Zero loads get a bin of their own.
 */
export function histogramEdges(counts: ArrayLike<number>, bins: number): { edges: number[]; logarithmic: boolean } {
  let min = Infinity
  let max = -Infinity
  let smallestPositive = Infinity
  let total = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    min = Math.min(min, c)
    max = Math.max(max, c)
    if (c > 0) smallestPositive = Math.min(smallestPositive, c)
    total += c
  }
  if (max === 0) return { edges: [0, 1], logarithmic: false }
  if (max <= 4 * smallestPositive && min > 0) {
    const n = Math.max(1, Math.min(bins, max - min + 1))
    const step = (max - min + 1) / n
    return { edges: Array.from({ length: n + 1 }, (_, b) => min + b * step), logarithmic: false }
  }
  const mean = total / counts.length
  const first = Math.floor(Math.log2(smallestPositive / mean))
  const last = Math.floor(Math.log2(max / mean)) + 1
  const edges = Array.from({ length: last - first + 1 }, (_, j) => mean * 2 ** (first + j))
  // Rounding in log2 must never leave a load outside the edges.
  if (edges[0]! > smallestPositive) edges[0] = smallestPositive
  if (edges[edges.length - 1]! <= max) edges[edges.length - 1] = max + 1
  if (min === 0) edges.unshift(0)
  return { edges, logarithmic: true }
}

function ratioText(value: number): string {
  if (value === 0) return '0'
  if (value >= 1) return String(Math.round(value * 100) / 100)
  // Powers of two below 1 read best as fractions: ½, ¼, 1/8, …
  const inverse = 1 / value
  return Number.isInteger(inverse) ? `1/${inverse}` : fixed(value, 2)
}

/** How many experts carry each range of load (see `histogramEdges` for the bins). */
export function loadHistogram(counts: ArrayLike<number>, bins = 10, barWidth = 36): string {
  const { edges, logarithmic } = histogramEdges(counts, bins)
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  const mean = counts.length ? total / counts.length : 0
  const n = edges.length - 1
  const tally = new Array<number>(n).fill(0)
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    let b = 0
    while (b < n - 1 && c >= edges[b + 1]!) b++
    tally[b]!++
  }
  const peak = Math.max(...tally)
  const table = plainTable({
    head: ['tokens', '÷ mean', 'experts', ''],
    colAligns: ['right', 'right', 'right', 'left'],
    style: { compact: true },
  })
  for (let b = 0; b < n; b++) {
    const lo = Math.ceil(edges[b]!)
    const hi = Math.ceil(edges[b + 1]!) - 1
    if (hi < lo) continue // no integer load fits this bin
    const range = lo === hi ? `${lo}` : `${lo}–${hi}`
    let ratio: string
    if (mean === 0) ratio = '–'
    else if (logarithmic) ratio = edges[b] === 0 && lo === hi ? '0' : `${ratioText(edges[b]! / mean)}–${ratioText(edges[b + 1]! / mean)}`
    else ratio = lo === hi ? fixed(lo / mean, 2) : `${fixed(lo / mean, 2)}–${fixed(hi / mean, 2)}`
    table.push([range, ratio, tally[b]!, bar(tally[b]!, peak, barWidth)])
  }
  return table.toString()
}

/** The `count` hottest and coldest experts, as "id:tokens" lists (ties → lower id first). */
export function extremes(counts: ArrayLike<number>, count: number): { hottest: string; coldest: string } {
  const order = Array.from({ length: counts.length }, (_, i) => i)
  const hot = [...order].sort((a, b) => counts[b]! - counts[a]! || a - b).slice(0, count)
  const cold = [...order].sort((a, b) => counts[a]! - counts[b]! || a - b).slice(0, count)
  const show = (ids: number[]) => ids.map((e) => `${e}:${counts[e]}`).join('  ')
  return { hottest: show(hot), coldest: show(cold) }
}
