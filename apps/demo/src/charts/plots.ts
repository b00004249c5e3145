import * as Plot from '@observablehq/plot'

/** Every chart is an Observable Plot figure; `label` becomes its accessible name. */
function figure(plot: ReturnType<typeof Plot.plot>, label: string): HTMLElement {
  const el = plot as unknown as HTMLElement
  el.setAttribute('role', 'img')
  el.setAttribute('aria-label', label)
  el.classList.add('chart')
  return el
}

const base = (width: number, height: number) => ({ width, height, style: { background: 'transparent', color: 'var(--fg)', fontSize: '11px' } })

/** Per-expert load: bars by expert id, or sorted hottest first, with the mean as a rule. */
export function expertLoadChart(counts: ArrayLike<number>, options: { sorted: boolean; width: number; height?: number; title?: string }): HTMLElement {
  const values = Array.from(counts)
  const ordered = options.sorted ? [...values].sort((a, b) => b - a) : values
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
  const data = ordered.map((v, i) => ({ i, v }))
  return figure(
    Plot.plot({
      ...base(options.width, options.height ?? 220),
      x: { label: options.sorted ? 'experts, hottest first →' : 'expert id →', domain: [0, values.length] },
      y: { label: '↑ top-k slots', grid: true },
      marks: [
        Plot.rectY(data, { x1: 'i', x2: (d: { i: number }) => d.i + 1, y: 'v', fill: 'var(--accent)', inset: values.length > 128 ? 0 : 0.5 }),
        Plot.ruleY([mean], { stroke: 'var(--warn)', strokeDasharray: '4 3' }),
        Plot.ruleY([0]),
        ...(options.title ? [Plot.text([options.title], { frameAnchor: 'top-right', dy: -4, fill: 'var(--fg)' })] : []),
      ],
    }),
    `${options.title ? `${options.title}: ` : ''}per-expert load${options.sorted ? ', sorted' : ' by id'}; max ${Math.max(...values)}, mean ${mean.toFixed(2)}`,
  )
}

/** A dense `[rows, cols]` grid drawn as one raster image (a 256 × 4096 grid is one canvas, not a million SVG nodes). */
export function heatmapChart(data: Float32Array | Float64Array, rows: number, cols: number, options: { width: number; height?: number; xLabel: string; yLabel: string; label: string; scheme?: string; domain?: [number, number] }): HTMLElement {
  return figure(
    Plot.plot({
      ...base(options.width, options.height ?? 280),
      x: { label: options.xLabel, domain: [0, cols], ...(cols <= 64 ? cellTicks(cols) : {}) },
      y: { label: options.yLabel, domain: [rows, 0], ...(rows <= 64 ? cellTicks(rows) : {}) },
      color: { scheme: (options.scheme ?? 'viridis') as 'viridis', legend: true, label: options.label, ...(options.domain ? { domain: options.domain } : {}) },
      marks: [Plot.raster(Array.from(data), { width: cols, height: rows, x1: 0, x2: cols, y1: 0, y2: rows, imageRendering: 'pixelated' })],
    }),
    `${options.label} heatmap, ${rows} × ${cols}`,
  )
}

/** Ticks at cell centres labelled with the cell's index (rank 3 is the cell from 3 to 4). */
function cellTicks(n: number): { ticks: number[]; tickFormat: (v: number) => string } {
  return { ticks: integerTicks(n - 1).filter((i) => i < n).map((i) => i + 0.5), tickFormat: (v: number) => String(v - 0.5) }
}

/** Whole-number ticks (ranks and layers have no halves), at most about 16 of them. */
function integerTicks(n: number): number[] {
  const step = Math.max(1, Math.ceil(n / 16))
  return Array.from({ length: Math.floor(n / step) + 1 }, (_, i) => i * step)
}

/** Per-rank loads with the mean, the picture of EP balancedness. */
export function rankLoadChart(loads: ArrayLike<number>, options: { width: number; height?: number }): HTMLElement {
  const values = Array.from(loads)
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
  return figure(
    Plot.plot({
      ...base(options.width, options.height ?? 180),
      x: { label: 'EP rank →', domain: [0, values.length], ...cellTicks(values.length) },
      y: { label: '↑ slots on rank', grid: true },
      marks: [
        Plot.rectY(values.map((v, i) => ({ i, v })), { x1: 'i', x2: (d: { i: number }) => d.i + 1, y: 'v', fill: 'var(--accent-2)', inset: 0.5 }),
        Plot.ruleY([mean], { stroke: 'var(--warn)', strokeDasharray: '4 3' }),
        Plot.ruleY([0]),
      ],
    }),
    `per-rank load over ${values.length} ranks; max ${Math.max(...values)}, mean ${mean.toFixed(2)}`,
  )
}

export interface Series {
  readonly name: string
  readonly values: readonly number[]
}

/** Lines over steps (balancedness before/after EPLB, drops, traffic). */
export function stepsChart(series: readonly Series[], options: { width: number; height?: number; yLabel: string; yDomain?: [number, number]; marks?: readonly number[] }): HTMLElement {
  const data = series.flatMap((s) => s.values.map((v, step) => ({ step, v, name: s.name })))
  return figure(
    Plot.plot({
      ...base(options.width, options.height ?? 200),
      x: { label: 'step →' },
      y: { label: options.yLabel, grid: true, ...(options.yDomain ? { domain: options.yDomain } : {}) },
      color: { legend: true, range: ['#4e79a7', '#e8702a', '#59a14f'] },
      marks: [
        ...(options.marks?.length ? [Plot.ruleX(options.marks, { stroke: 'var(--muted)', strokeDasharray: '2 3' })] : []),
        Plot.lineY(data, { x: 'step', y: 'v', stroke: 'name' }),
      ],
    }),
    `${options.yLabel} over ${series[0]?.values.length ?? 0} steps: ${series.map((s) => s.name).join(', ')}`,
  )
}
