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

/** How many experts carry each range of load: `bins` equal-width ranges from the lowest to the highest load. */
export function loadHistogram(counts: ArrayLike<number>, bins = 10, barWidth = 36): string {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < counts.length; i++) {
    min = Math.min(min, counts[i]!)
    max = Math.max(max, counts[i]!)
  }
  const mean = meanOf(counts)
  // Integer loads: never more bins than distinct values in the range.
  const n = Math.max(1, Math.min(bins, max - min + 1))
  const step = (max - min + 1) / n
  const tally = new Array<number>(n).fill(0)
  for (let i = 0; i < counts.length; i++) tally[Math.min(n - 1, Math.floor((counts[i]! - min) / step))]!++
  const peak = Math.max(...tally)
  const table = plainTable({
    head: ['tokens', '÷ mean', 'experts', ''],
    colAligns: ['right', 'right', 'right', 'left'],
    style: { compact: true },
  })
  for (let b = 0; b < n; b++) {
    const lo = Math.ceil(min + b * step)
    const hi = Math.ceil(min + (b + 1) * step) - 1
    const range = lo === hi ? `${lo}` : `${lo}–${hi}`
    const ratio = mean > 0 ? (lo === hi ? fixed(lo / mean, 2) : `${fixed(lo / mean, 2)}–${fixed(hi / mean, 2)}`) : '–'
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
