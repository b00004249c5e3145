import { expertLoadChart, rankLoadChart } from '../charts/plots.ts'
import type { RoutedLayer } from '../engine/protocol.ts'
import { field, fmt, h, select, widthOf } from '../ui/dom.ts'
import type { AppContext } from './app-context.ts'
import { nextTask } from './layer-panel.ts'

let generation = 0

/** Compare: 2–4 strategies (default parameters) on the same shape and seed — `routesim demo`'s table, as charts. */
export function renderCompare(ctx: AppContext, root: HTMLElement): void {
  const state = ctx.state()
  const names = ctx.info.strategies.map((s) => s.name)
  const chosen = state.strategies.filter((s) => names.includes(s)).slice(0, 4)
  const form = h('form', { class: 'controls', 'aria-label': 'Strategies to compare' })
  form.addEventListener('submit', (e) => e.preventDefault())
  for (let i = 0; i < 4; i++) {
    const s = select(`strategy-${i + 1}`, [{ value: '', label: i < 2 ? '(pick one)' : '(none)' }, ...names], chosen[i] ?? '')
    s.addEventListener('change', () => {
      const next = [...chosen]
      next[i] = s.value
      ctx.update({ strategies: next.filter((n) => n !== '') })
    })
    form.append(field(`Strategy ${i + 1}`, s))
  }
  form.append(
    h(
      'p',
      { class: 'hint' },
      `Same shape and seed as Explore: ${state.tokens} tokens, ${state.experts} experts, top-${state.topK}, EP ${state.epSize}, seed ${String(state.seed)}. Each strategy runs with its default parameters.`,
    ),
  )
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, chosen.length < 2 ? 'Pick at least two strategies.' : 'Routing…')
  const table = h('div', { class: 'results' })
  const grid = h('div', { class: 'compare-grid', 'data-testid': 'compare-results' })
  const main = h('div', { class: 'main' }, status, table, grid)
  root.replaceChildren(h('div', { class: 'split' }, form, main))
  if (chosen.length < 2) return
  const mine = ++generation
  const run = async () => {
    const layers: RoutedLayer[] = []
    for (const strategy of chosen) {
      layers.push(
        await ctx.engine.route(
          { strategy, params: {}, tokens: state.tokens, experts: state.experts, topK: state.topK, seed: state.seed, epSize: state.epSize },
          state.backend,
        ),
      )
      if (mine !== generation) return
    }
    const w = widthOf(main)
    const cell = w >= 900 ? Math.floor((w - 16) / 2) : w
    const metrics: [string, (l: RoutedLayer) => number][] = [
      ['max ÷ mean', (l) => l.summary.maxOverMean],
      ['Gini', (l) => l.summary.gini],
      ['CV', (l) => l.summary.cv],
      [`balancedness, EP ${state.epSize}`, (l) => l.balancedness],
      ['duplicate-id rate', (l) => l.duplicateIdRate],
      ['distinct experts', (l) => l.summary.distinctExperts],
    ]
    table.replaceChildren(
      h(
        'table',
        { class: 'metrics compare', 'data-testid': 'compare-table' },
        h('caption', {}, 'Side by side'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'metric'), ...layers.map((l) => h('th', { scope: 'col' }, l.strategy)))),
        h(
          'tbody',
          {},
          ...metrics.map(([label, get]) =>
            h('tr', {}, h('th', { scope: 'row' }, label), ...layers.map((l) => h('td', { 'data-value': String(get(l)) }, fmt(get(l))))),
          ),
        ),
      ),
    )
    grid.replaceChildren()
    // One strategy's charts per task, so the page stays responsive while four are drawn.
    for (const l of layers) {
      await nextTask()
      if (mine !== generation) return
      grid.append(
        h(
          'figure',
          { class: 'card' },
          h('figcaption', {}, `${l.strategy}: sorted per-expert load and per-rank load`),
          expertLoadChart(l.counts, { sorted: true, width: cell, height: 180 }),
          rankLoadChart(l.rankLoads, { width: cell, height: 120 }),
        ),
      )
    }
    const places = [...new Set(layers.map((l) => l.ranOn))]
    status.textContent = `Compared ${layers.length} strategies (ran on ${places.join(', ')}).`
    // Strategies without a kernel path run elsewhere than the rest: the label then names each one's place.
    ctx.ranOn(places.length === 1 ? `${layers[0]!.ranOn}: ${layers[0]!.ranOnDetail}` : layers.map((l) => `${l.strategy}: ${l.ranOn}`).join('; '))
    document.body.dataset['rendered'] = `c${mine}`
  }
  run().catch((error: unknown) => {
    if (mine !== generation) return
    status.textContent = error instanceof Error ? error.message : String(error)
    status.classList.add('error')
    document.body.dataset['rendered'] = `c${mine}`
  })
}
