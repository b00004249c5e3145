import { EngineError } from '../engine/engine-client.ts'
import type { RoutedLayer } from '../engine/protocol.ts'
import { cliCommand, strategyParams } from '../engine/url-state.ts'
import { backendSelect } from '../ui/backend-select.ts'
import { copyText, download, field, h, numberInput, select } from '../ui/dom.ts'
import { parameterControls } from '../ui/param-form.ts'
import type { AppContext } from './app-context.ts'
import { drawLayer } from './layer-panel.ts'

let generation = 0

/** Explore: one strategy on one layer, every control re-routes in the worker. */
export function renderExplore(ctx: AppContext, root: HTMLElement): void {
  const state = ctx.state()
  const info = ctx.info.strategies.find((s) => s.name === state.strategy.toLowerCase())
  const form = h('form', { class: 'controls', 'aria-label': 'Routing settings' })
  form.addEventListener('submit', (e) => e.preventDefault())
  const strategy = select(
    'strategy',
    ctx.info.strategies.map((s) => s.name),
    info?.name ?? state.strategy,
  )
  strategy.addEventListener('change', () => ctx.update({ strategy: strategy.value, params: {} }))
  const int = (name: string, label: string, value: number, min: number, key: 'tokens' | 'experts' | 'topK' | 'epSize', hint?: string) => {
    const input = numberInput(name, value, { min, step: 1 })
    input.addEventListener('change', () => {
      const v = Number(input.value)
      if (Number.isSafeInteger(v) && v >= min) ctx.update({ [key]: v })
    })
    return field(label, input, hint)
  }
  const seed = h('input', { type: 'text', name: 'seed', value: String(state.seed), inputmode: 'numeric' })
  seed.addEventListener('change', () => ctx.update({ seed: /^[+-]?\d+$/.test(seed.value.trim()) ? Number(seed.value.trim()) : seed.value.trim() }))
  const backend = backendSelect(state.backend, (b) => ctx.update({ backend: b }))
  form.append(
    field('Strategy', strategy, info?.description),
    int('tokens', 'Tokens', state.tokens, 1, 'tokens'),
    int('experts', 'Experts', state.experts, 1, 'experts'),
    int('top-k', 'Top-k', state.topK, 1, 'topK'),
    int('ep-size', 'EP size', state.epSize, 1, 'epSize', 'Ranks for per-rank loads; must divide the experts.'),
    field('Seed', seed, 'The same seed routes the same tokens, here and in the CLI.'),
    field('Backend', backend, 'gpu.js is downloaded only when a gpu.js mode is picked.'),
  )
  if (info) form.append(parameterControls(info.parameters, state.params, (raw) => ctx.update({ params: raw })))

  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, 'Routing…')
  const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Routing progress', 'data-testid': 'route-progress' })
  const results = h('div', { class: 'results', 'data-testid': 'explore-results' })
  const command = h('code', { class: 'command', 'data-testid': 'cli-command' }, cliCommand(state))
  const copy = h('button', { type: 'button' }, 'Copy CLI command')
  copy.addEventListener('click', () => void copyText(command.textContent ?? '').then(() => (copy.textContent = 'Copied')))
  const exportButtons = ['npz', 'safetensors'].map((format) => {
    const b = h('button', { type: 'button', 'data-export': format }, `Export .${format}`)
    b.addEventListener('click', async () => {
      const { bytes, fileName } = await ctx.engine.export(format as 'npz' | 'safetensors')
      download(bytes, fileName)
    })
    return b
  })
  const tools = h('div', { class: 'toolbar' }, command, copy, ...exportButtons)
  const main = h('div', { class: 'main' }, h('div', { class: 'toolbar' }, progress, status), tools, results)
  root.replaceChildren(h('div', { class: 'split' }, form, main))

  const mine = ++generation
  let params: Record<string, unknown>
  try {
    params = info ? strategyParams(info.name, info.parameters, state.params) : {}
  } catch (error) {
    status.textContent = error instanceof Error ? error.message : String(error)
    status.classList.add('error')
    return
  }
  const started = performance.now()
  ctx.engine
    .route(
      { strategy: state.strategy, params, tokens: state.tokens, experts: state.experts, topK: state.topK, seed: state.seed, epSize: state.epSize },
      state.backend,
      (p) => {
        if (mine !== generation) return
        progress.value = p.value
        status.textContent = `${p.phase[0]!.toUpperCase()}${p.phase.slice(1)}…`
      },
    )
    .then((layer: RoutedLayer) => {
      if (mine !== generation) return
      progress.value = 1
      status.textContent = `Routed ${layer.tokens.toLocaleString('en')} tokens × top-${layer.topK} of ${layer.experts} experts in ${layer.routeMs.toFixed(0)} ms (round trip ${(performance.now() - started).toFixed(0)} ms).`
      ctx.ranOn(`${layer.ranOn}: ${layer.ranOnDetail}`)
      performance.mark('routesim:routed')
      const firstChart = () => void (performance.getEntriesByName('routesim:first-chart').length === 0 && performance.mark('routesim:first-chart'))
      return drawLayer(results, layer, main, () => mine === generation, { onFirstChart: firstChart }).then((drawn) => {
        if (!drawn) return
        performance.mark('routesim:charts-drawn')
        document.body.dataset['rendered'] = String(mine)
      })
    })
    .catch((error: unknown) => {
      if (mine !== generation) return
      status.textContent =
        error instanceof EngineError && error.code ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error)
      status.classList.add('error')
      results.replaceChildren()
      document.body.dataset['rendered'] = String(mine)
    })
}
