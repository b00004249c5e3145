import { chartsReady, expertLoadChart, heatmapChart, rankLoadChart } from '../charts/plots.ts'
import type { RoutedLayer } from '../engine/protocol.ts'
import { fmt, h, widthOf } from '../ui/dom.ts'

/** The metric table `routesim route` prints, with full-precision values in `data-value` (tests compare them to the CLI's JSON). */
export function metricTable(layer: RoutedLayer): HTMLTableElement {
  const s = layer.summary
  const rows: [string, string, number | string, string][] = [
    ['max', 'max load', s.max, fmt(s.max)],
    ['mean', 'mean load', s.mean, fmt(s.mean)],
    ['min', 'min load', s.min, fmt(s.min)],
    ['maxOverMean', 'max ÷ mean', s.maxOverMean, fmt(s.maxOverMean)],
    ['minOverMean', 'min ÷ mean', s.minOverMean, fmt(s.minOverMean)],
    ['cv', 'CV', s.cv, fmt(s.cv)],
    ['gini', 'Gini', s.gini, fmt(s.gini)],
    ['entropy', 'entropy (bits)', s.entropy, fmt(s.entropy)],
    ['balancedness', `balancedness, EP ${layer.epSize} (mean ÷ max rank load, linear)`, layer.balancedness, fmt(layer.balancedness)],
    [
      'balancednessRoundRobin',
      `balancedness, EP ${layer.epSize}, round-robin placement`,
      layer.balancednessVariants.roundRobin,
      fmt(layer.balancednessVariants.roundRobin),
    ],
    ['sglangUtilization', 'SGLang utilization ((mean + 1e-5) ÷ (max + 1e-5))', layer.balancednessVariants.sglang, fmt(layer.balancednessVariants.sglang)],
    ['rankMaxOverMean', 'max ÷ mean rank load', layer.balancednessVariants.rankMaxOverMean, fmt(layer.balancednessVariants.rankMaxOverMean)],
    ['distinctExperts', 'distinct experts used', s.distinctExperts, `${s.distinctExperts} of ${s.numExperts}`],
    ['duplicateIdRate', 'duplicate-id rate', layer.duplicateIdRate, `${(layer.duplicateIdRate * 100).toFixed(2)} % (${layer.tokensWithDuplicates} tokens)`],
    ['countsDigest', 'counts checksum (FNV-1a)', layer.countsDigest, layer.countsDigest],
  ]
  if (layer.idsDigest) rows.push(['idsDigest', 'ids checksum (FNV-1a)', layer.idsDigest, layer.idsDigest])
  return h(
    'table',
    { class: 'metrics', 'data-testid': 'metrics' },
    h('caption', {}, 'Load summary'),
    h(
      'tbody',
      {},
      ...rows.map(([key, label, value, text]) =>
        h('tr', {}, h('th', { scope: 'row' }, label), h('td', { 'data-metric': key, 'data-value': String(value) }, text)),
      ),
    ),
  )
}

/** Lets the browser paint and handle input between charts, so no single task draws them all. */
export const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/**
 * Draws a routed layer into `target`: the metric table, then per-expert loads (by id and sorted), the
 * token × expert heatmap and per-rank loads, each chart in its own task. Stops (returning false) once
 * `alive()` says a newer routing took over.
 */
export async function drawLayer(
  target: HTMLElement,
  layer: RoutedLayer,
  host: HTMLElement,
  alive: () => boolean,
  options: { before?: readonly Node[]; onFirstChart?: () => void } = {},
): Promise<boolean> {
  const wide = widthOf(host)
  const half = wide >= 900 ? Math.floor((wide - 48) / 2) : wide
  const box = h('div', { class: 'charts' })
  target.replaceChildren(...(options.before ?? []), metricTable(layer), box)
  const card = (title: string, chart: HTMLElement, cls = '') => h('figure', { class: `card ${cls}` }, h('figcaption', {}, title), chart)
  const charts: (() => HTMLElement)[] = [
    () => card('Per-expert load, by expert id (dashed: mean)', expertLoadChart(layer.counts, { sorted: false, width: half })),
    () => card('Per-expert load, hottest first', expertLoadChart(layer.counts, { sorted: true, width: half })),
  ]
  if (layer.heatmapRows > 0) {
    const sampled = layer.heatmapRows < layer.tokens ? `, ${layer.heatmapRows} of ${layer.tokens} tokens evenly sampled` : ''
    charts.push(() =>
      card(
        `Token × expert routing weight${sampled}`,
        heatmapChart(layer.heatmap, layer.heatmapRows, layer.experts, {
          width: wide,
          height: Math.min(420, Math.max(200, layer.heatmapRows)),
          xLabel: 'expert id →',
          yLabel: '↑ token',
          label: 'weight',
        }),
        'wide',
      ),
    )
  }
  charts.push(() => card(`Per-rank load over EP ${layer.epSize} (linear placement)`, rankLoadChart(layer.rankLoads, { width: wide }), 'wide'))
  for (const [i, chart] of charts.entries()) {
    await nextTask()
    if (!alive()) return false
    const start = performance.now()
    box.append(chart())
    performance.measure(`routesim:chart-${i}`, { start })
    if (box.childElementCount === 1) options.onFirstChart?.()
  }
  // The heatmap's image is encoded asynchronously: the layer counts as drawn once it has loaded.
  await chartsReady(box)
  return alive()
}
