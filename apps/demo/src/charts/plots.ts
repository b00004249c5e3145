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

const HEAT_MARGIN = { top: 22, right: 14, bottom: 34, left: 46 }

/** The scheme's colours at 256 evenly spaced values of the domain, as RGBA bytes (one canvas read, not one per cell). */
function colourTable(scheme: string, domain: [number, number]): Uint8ClampedArray {
  const scale = Plot.scale({ color: { type: 'linear', scheme: scheme as 'viridis', domain } })
  const canvas = document.createElement('canvas')
  canvas.width = 256
  canvas.height = 1
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = String(scale.apply(domain[0] + ((domain[1] - domain[0]) * i) / 255))
    ctx.fillRect(i, 0, 1, 1)
  }
  return ctx.getImageData(0, 0, 256, 1).data
}

/**
 * A dense `[rows, cols]` grid as one image inside a Plot frame with Plot's axes and colour legend. The cells
 * are coloured through a 256-entry table straight into canvas pixels: a 512 × 256 grid costs a few ms of
 * main-thread time (Plot's raster mark parses a colour string per cell, ~100 ms there), never a million SVG nodes.
 */
export function heatmapChart(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
  options: { width: number; height?: number; xLabel: string; yLabel: string; label: string; scheme?: string; domain?: [number, number] },
): HTMLElement {
  const scheme = options.scheme ?? 'viridis'
  let top = 0
  for (let i = 0; i < data.length; i++) if (data[i]! > top) top = data[i]!
  const domain: [number, number] = options.domain ?? [0, top || 1]
  const lut = colourTable(scheme, domain)
  const canvas = document.createElement('canvas')
  canvas.width = Math.max(1, cols)
  canvas.height = Math.max(1, rows)
  const ctx = canvas.getContext('2d')!
  const image = ctx.createImageData(canvas.width, canvas.height)
  const px = image.data
  const span = domain[1] - domain[0] || 1
  for (let i = 0; i < rows * cols; i++) {
    const j = Math.max(0, Math.min(255, Math.round(((data[i]! - domain[0]) / span) * 255))) * 4
    px[i * 4] = lut[j]!
    px[i * 4 + 1] = lut[j + 1]!
    px[i * 4 + 2] = lut[j + 2]!
    px[i * 4 + 3] = 255
  }
  ctx.putImageData(image, 0, 0)
  const height = options.height ?? 280
  const svg = Plot.plot({
    ...base(options.width, height),
    ...{ marginTop: HEAT_MARGIN.top, marginRight: HEAT_MARGIN.right, marginBottom: HEAT_MARGIN.bottom, marginLeft: HEAT_MARGIN.left },
    x: { label: options.xLabel, domain: [0, cols], ...(cols <= 64 ? cellTicks(cols) : {}) },
    y: { label: options.yLabel, domain: [rows, 0], ...(rows <= 64 ? cellTicks(rows) : {}) },
    marks: [Plot.frame({ stroke: 'var(--border)' })],
  }) as unknown as SVGSVGElement
  const img = document.createElementNS('http://www.w3.org/2000/svg', 'image')
  img.setAttribute('x', String(HEAT_MARGIN.left))
  img.setAttribute('y', String(HEAT_MARGIN.top))
  img.setAttribute('width', String(options.width - HEAT_MARGIN.left - HEAT_MARGIN.right))
  img.setAttribute('height', String(height - HEAT_MARGIN.top - HEAT_MARGIN.bottom))
  img.setAttribute('preserveAspectRatio', 'none')
  img.setAttribute('style', 'image-rendering: pixelated')
  // PNG encoding happens off the main thread (toBlob is asynchronous); the image appears when it is ready.
  const ready = new Promise<void>((resolve) => {
    canvas.toBlob((blob) => {
      if (!blob) return resolve()
      const url = URL.createObjectURL(blob)
      const done = () => {
        URL.revokeObjectURL(url)
        resolve()
      }
      img.addEventListener('load', done, { once: true })
      img.addEventListener('error', done, { once: true })
      img.setAttribute('href', url)
    })
  })
  // Under the axes: after Plot's <style>, before its axis and frame groups.
  svg.insertBefore(img, svg.querySelector('style')?.nextSibling ?? svg.firstChild)
  const legend = Plot.legend({
    color: { type: 'linear', scheme: scheme as 'viridis', domain, label: options.label },
    style: { background: 'transparent', color: 'var(--fg)', fontSize: '11px' },
  }) as unknown as Element
  const box = document.createElement('div')
  box.append(legend, svg)
  box.setAttribute('role', 'img')
  box.setAttribute('aria-label', `${options.label} heatmap, ${rows} × ${cols}, ${options.yLabel.replace(/^↑ /, '')} by ${options.xLabel.replace(/ →$/, '')}`)
  box.classList.add('chart', 'heatmap')
  pending.set(box, ready)
  return box
}

const pending = new WeakMap<Element, Promise<void>>()

/** Resolves when every heatmap image under `root` has been encoded and loaded (a view is "rendered" after that). */
export function chartsReady(root: Element): Promise<void> {
  return Promise.all([...root.querySelectorAll('.heatmap')].map((el) => pending.get(el) ?? Promise.resolve())).then(() => undefined)
}

/** Ticks at cell centres labelled with the cell's index (rank 3 is the cell from 3 to 4). */
function cellTicks(n: number): { ticks: number[]; tickFormat: (v: number) => string } {
  return {
    ticks: integerTicks(n - 1)
      .filter((i) => i < n)
      .map((i) => i + 0.5),
    tickFormat: (v: number) => String(v - 0.5),
  }
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
        Plot.rectY(
          values.map((v, i) => ({ i, v })),
          { x1: 'i', x2: (d: { i: number }) => d.i + 1, y: 'v', fill: 'var(--accent-2)', inset: 0.5 },
        ),
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
export function stepsChart(
  series: readonly Series[],
  options: { width: number; height?: number; yLabel: string; yDomain?: [number, number]; marks?: readonly number[] },
): HTMLElement {
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
