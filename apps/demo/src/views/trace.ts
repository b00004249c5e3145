import type { TraceView } from '../engine/protocol.ts'
import { chartsReady, heatmapChart } from '../charts/plots.ts'
import { copyText, download, field, fmt, h, select, widthOf } from '../ui/dom.ts'
import type { AppContext } from './app-context.ts'
import { drawLayer } from './layer-panel.ts'

let last: TraceView | undefined
let shown = 0

function fitCommand(t: TraceView): string | undefined {
  if (!t.fit) return undefined
  const params = Object.entries(t.fit.strategy.params)
    .map(([k, v]) => ` -p ${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join('')
  return `routesim route --strategy ${t.fit.strategy.name}${params} --tokens ${t.fit.tokens} --experts ${t.fit.numExperts} --top-k ${t.fit.topK} --ep-size ${t.fit.epSize}`
}

/** The whole trace, layer by layer (`analyzeTrace`): a table, and per-layer × per-rank loads as laid out and after EPLB. */
function analysisBox(t: TraceView, host: HTMLElement): HTMLElement {
  const a = t.analysis
  if (!a) return h('p', { class: 'hint' }, `No per-layer analysis: ${t.analysisError ?? 'not available for this trace'}`)
  const hasRanks = a.perLayer.some((l) => l.balancedness !== undefined)
  const cols = [
    'layer',
    'max ÷ mean',
    'Gini',
    ...(t.kind === 'ids' ? ['duplicate-id rate'] : []),
    ...(hasRanks ? [`balancedness, EP ${a.epSize}`, 'after EPLB'] : []),
  ]
  const box = h('div', { class: 'results', 'data-testid': 'trace-analysis' })
  box.append(
    h(
      'table',
      { class: 'metrics' },
      h(
        'caption',
        {},
        `Every layer over all ${t.steps} step(s)${a.balancedness ? `: balancedness ${fmt(a.balancedness.static, 3)} as laid out, ${a.balancedness.eplb !== undefined ? fmt(a.balancedness.eplb, 3) : '–'} with DeepSeek EPLB (${a.balancedness.redundantExperts} redundant experts)` : ''}`,
      ),
      h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        ...a.perLayer.map((l) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, l.modelLayer !== l.layer ? `${l.layer} (model ${l.modelLayer})` : String(l.layer)),
            ...[
              l.maxOverMean,
              l.gini,
              ...(t.kind === 'ids' ? [l.duplicateIdRate ?? 0] : []),
              ...(hasRanks ? [l.balancedness ?? Number.NaN, l.eplbBalancedness ?? Number.NaN] : []),
            ].map((v) => h('td', {}, fmt(v, 3))),
          ),
        ),
      ),
    ),
  )
  if (a.staticRankLoads && a.eplbRankLoads) {
    const L = a.perLayer.length
    const w = widthOf(host)
    const half = w >= 900 ? Math.floor((w - 48) / 2) : w
    let top = 0
    for (const v of a.staticRankLoads) top = Math.max(top, v)
    for (const v of a.eplbRankLoads) top = Math.max(top, v)
    const heat = (data: Float64Array, title: string, testid: string) =>
      h(
        'figure',
        { class: 'card', 'data-testid': testid },
        h('figcaption', {}, title),
        heatmapChart(data, L, a.epSize, {
          width: half,
          height: Math.max(140, Math.min(360, L * 24 + 80)),
          xLabel: 'EP rank →',
          yLabel: '↑ layer',
          label: 'slots',
          scheme: 'magma',
          domain: [0, top || 1],
        }),
      )
    box.append(
      h(
        'div',
        { class: 'charts' },
        heat(a.staticRankLoads, 'Load per layer × rank, as laid out (linear placement)', 'trace-heatmap-static'),
        heat(a.eplbRankLoads, 'Load per layer × rank with DeepSeek EPLB’s placement of these counts', 'trace-heatmap-eplb'),
      ),
    )
  }
  return box
}

/** Trace: drop a recorded routing (.npy/.npz/.safetensors/.pt/.jsonl…), see it as Explore shows a routing, fit a family. */
export function renderTrace(ctx: AppContext, root: HTMLElement): void {
  const input = h('input', { type: 'file', id: 'trace-file', accept: '.npy,.npz,.safetensors,.pt,.pth,.jsonl,.json,.csv' })
  const zone = h(
    'div',
    { class: 'dropzone', 'data-testid': 'dropzone' },
    h('p', {}, 'Drop a routing trace here: topk_ids as .npy, .npz, .safetensors, .pt, .jsonl, .json or per-expert counts as .csv.'),
    h('label', { for: 'trace-file', class: 'button' }, 'Or choose a file…'),
    input,
  )
  const status = h(
    'p',
    { class: 'status', role: 'status', 'aria-live': 'polite' },
    last ? '' : 'No trace yet. Files never leave this page: they are read in a Web Worker.',
  )
  const results = h('div', { class: 'results', 'data-testid': 'trace-results' })
  const main = h('div', { class: 'main wide-main' }, zone, status, results)
  root.replaceChildren(main)

  const show = (t: TraceView) => {
    ctx.ranOn(`no routing: ${t.file} read in the worker`)
    status.classList.remove('error')
    status.textContent = `${t.file}: ${t.format}, ${t.kind === 'ids' ? `${t.tokens} tokens × top-${t.topK}` : 'per-expert counts'} of ${t.experts} experts, ${t.steps} step(s) × ${t.layers} layer(s).${t.assumptions.length ? ` Assumed: ${t.assumptions.join('; ')}.` : ''}`
    const tools = h('div', { class: 'toolbar' })
    // Which (step, layer) the charts show; the whole-trace tables below cover every layer.
    const pick = (name: string, count: number, label: (i: number) => string) =>
      select(
        name,
        Array.from({ length: count }, (_, i) => ({ value: String(i), label: label(i) })),
        '0',
      )
    const stepPick = pick('trace-step', t.steps, (i) => `step ${i}`)
    const layerPick = pick('trace-layer', t.layers, (i) => {
      const model = t.analysis?.perLayer[i]?.modelLayer
      return model !== undefined && model !== i ? `layer ${i} (model layer ${model})` : `layer ${i}`
    })
    const layerBox = h('div', { class: 'results', 'data-testid': 'trace-layer' })
    const redraw = async () => {
      const mine = ++shown
      const step = Number(stepPick.value)
      const index = Number(layerPick.value)
      try {
        const layer = await ctx.engine.traceLayer(step, index)
        if (mine !== shown) return
        if (await drawLayer(layerBox, layer, main, () => mine === shown)) document.body.dataset['rendered'] = `t-${t.file}-${step}-${index}`
      } catch (error) {
        if (mine !== shown) return
        status.textContent = error instanceof Error ? error.message : String(error)
        status.classList.add('error')
      }
    }
    stepPick.addEventListener('change', () => void redraw())
    layerPick.addEventListener('change', () => void redraw())
    const picker = h('div', { class: 'toolbar picker' }, field('Step', stepPick), field('Layer', layerPick))
    if (t.kind === 'ids') {
      for (const format of ['npz', 'safetensors'] as const) {
        const b = h('button', { type: 'button', 'data-export': format }, `Export .${format}`)
        b.addEventListener('click', async () => {
          const { bytes, fileName } = await ctx.engine.export(format)
          download(bytes, fileName)
        })
        tools.append(b)
      }
    }
    const command = fitCommand(t)
    const fitBox = h('div', { class: 'fit', 'data-testid': 'fit' })
    if (t.fit) {
      const f = t.fit
      fitBox.append(
        h('h3', {}, `Fit: ${f.family}, ${f.parameter} = ${fmt(f.value, 4)}`),
        h(
          'table',
          { class: 'metrics' },
          h('caption', {}, `Per layer, trace vs ${f.family} routing of the same tokens (EP ${f.epSize})`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['layer', f.parameter, 'max÷mean trace', 'fitted', 'Gini trace', 'fitted', 'balancedness trace', 'fitted'].map((c) =>
                h('th', { scope: 'col' }, c),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            ...f.perLayer.map((l) =>
              h(
                'tr',
                {},
                ...[l.layer, l.value, l.trace.maxOverMean, l.fitted.maxOverMean, l.trace.gini, l.fitted.gini, l.trace.balancedness, l.fitted.balancedness].map(
                  (v) => h('td', {}, fmt(v, 3)),
                ),
              ),
            ),
          ),
        ),
      )
      if (command) {
        const b = h('button', { type: 'button' }, 'Copy CLI command')
        b.addEventListener('click', () => void copyText(command).then(() => (b.textContent = 'Copied')))
        tools.append(h('code', { class: 'command', 'data-testid': 'fit-command' }, command), b)
      }
      if (f.scenario) {
        const b = h('button', { type: 'button' }, 'Copy scenario file')
        b.addEventListener('click', () => void copyText(`${JSON.stringify(f.scenario, null, 2)}\n`).then(() => (b.textContent = 'Copied')))
        tools.append(b)
      }
    } else fitBox.append(h('p', { class: 'hint' }, `No fit: ${t.fitError ?? 'not available for this trace'}`))
    results.replaceChildren(tools, fitBox, analysisBox(t, main), picker, layerBox)
    const mine = ++shown
    void drawLayer(layerBox, t.layer, main, () => mine === shown)
      .then(async (drawn) => drawn && (await chartsReady(results), mine === shown))
      .then((drawn) => {
        if (drawn) document.body.dataset['rendered'] = `t-${t.file}`
      })
  }

  const load = async (file: File) => {
    status.textContent = `Reading ${file.name}…`
    try {
      last = await ctx.engine.trace(file.name, await file.arrayBuffer(), ctx.state().epSize)
      show(last)
    } catch (error) {
      status.textContent = `${file.name}: ${error instanceof Error ? error.message : String(error)}`
      status.classList.add('error')
      document.body.dataset['rendered'] = `t-error`
    }
  }
  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (file) void load(file)
  })
  zone.addEventListener('dragover', (e) => {
    e.preventDefault()
    zone.classList.add('over')
  })
  zone.addEventListener('dragleave', () => zone.classList.remove('over'))
  zone.addEventListener('drop', (e) => {
    e.preventDefault()
    zone.classList.remove('over')
    const file = e.dataTransfer?.files[0]
    if (file) void load(file)
  })
  if (last) show(last)
}
