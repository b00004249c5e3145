import type { TraceView } from '../engine/protocol.ts'
import { copyText, download, fmt, h } from '../ui/dom.ts'
import type { AppContext } from './app-context.ts'
import { drawLayer } from './layer-panel.ts'

let last: TraceView | undefined
let shown = 0

function fitCommand(t: TraceView): string | undefined {
  if (!t.fit) return undefined
  const params = Object.entries(t.fit.strategy.params).map(([k, v]) => ` -p ${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join('')
  return `routesim route --strategy ${t.fit.strategy.name}${params} --tokens ${t.fit.tokens} --experts ${t.fit.numExperts} --top-k ${t.fit.topK} --ep-size ${t.fit.epSize}`
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
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, last ? '' : 'No trace yet. Files never leave this page: they are read in a Web Worker.')
  const results = h('div', { class: 'results', 'data-testid': 'trace-results' })
  const main = h('div', { class: 'main wide-main' }, zone, status, results)
  root.replaceChildren(main)

  const show = (t: TraceView) => {
    ctx.ranOn(`no routing: ${t.file} read in the worker`)
    status.classList.remove('error')
    status.textContent = `${t.file}: ${t.format}, ${t.kind === 'ids' ? `${t.tokens} tokens × top-${t.topK}` : 'per-expert counts'} of ${t.experts} experts, ${t.steps} step(s) × ${t.layers} layer(s); showing step 0, layer 0.${t.assumptions.length ? ` Assumed: ${t.assumptions.join('; ')}.` : ''}`
    const tools = h('div', { class: 'toolbar' })
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
        h('table', { class: 'metrics' }, h('caption', {}, `Per layer, trace vs ${f.family} routing of the same tokens (EP ${f.epSize})`),
          h('thead', {}, h('tr', {}, ...['layer', f.parameter, 'max÷mean trace', 'fitted', 'Gini trace', 'fitted', 'balancedness trace', 'fitted'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ...f.perLayer.map((l) => h('tr', {}, ...[l.layer, l.value, l.trace.maxOverMean, l.fitted.maxOverMean, l.trace.gini, l.fitted.gini, l.trace.balancedness, l.fitted.balancedness].map((v) => h('td', {}, fmt(v, 3))))))),
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
    const mine = ++shown
    void drawLayer(results, t.layer, main, () => mine === shown, { before: [tools, fitBox] }).then((drawn) => {
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
