import './style.css'
import { EngineClient } from './engine/engine-client.ts'
import { VIEWS, readState, writeState, type ExploreState, type View } from './engine/url-state.ts'
import { h } from './ui/dom.ts'
import type { AppContext } from './views/app-context.ts'

// The routing worker starts before anything else: it downloads and initialises the library while the
// views and the chart library (a chunk of their own) load on this thread.
const engine = new EngineClient()
const engineInfo = engine.info()
const views = import('./views/views.ts')

const LABELS: Record<View, string> = { explore: 'Explore', compare: 'Compare', scenario: 'Scenario', trace: 'Trace' }

function setupTheme(button: HTMLButtonElement): void {
  const stored = localStorage.getItem('routesim-theme')
  const apply = (theme: string | null) => {
    if (theme) document.documentElement.dataset['theme'] = theme
    else delete document.documentElement.dataset['theme']
    const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches
    button.setAttribute('aria-pressed', String(dark))
    button.textContent = dark ? '☀ Light' : '☾ Dark'
  }
  apply(stored)
  button.addEventListener('click', () => {
    const dark = button.getAttribute('aria-pressed') === 'true'
    const next = dark ? 'light' : 'dark'
    localStorage.setItem('routesim-theme', next)
    apply(next)
  })
}

async function start(): Promise<void> {
  const app = document.getElementById('app')!
  const ranOn = h('output', { class: 'ran-on', 'data-testid': 'ran-on', 'aria-live': 'polite' }, 'engine starting…')
  const theme = h('button', { type: 'button', class: 'theme' })
  setupTheme(theme)
  const tabs = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'Views' })
  const panel = h('main', { id: 'view', role: 'tabpanel', tabindex: '-1' })
  const error = h('p', { class: 'status error', role: 'alert', hidden: true })
  app.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'routesim'),
      h('p', { class: 'tagline' }, 'MoE routing in the browser'),
      tabs,
      h('div', { class: 'engine' }, h('span', {}, 'Ran on '), ranOn),
      theme,
    ),
    error,
    panel,
  )

  const [info, { RENDER }] = await Promise.all([engineInfo, views])
  performance.mark('routesim:engine-ready')
  let state: ExploreState
  try {
    state = readState(location.search)
  } catch (e) {
    error.hidden = false
    error.textContent = `Ignoring the URL: ${e instanceof Error ? e.message : String(e)}`
    state = readState('')
  }
  const isolation = info.crossOriginIsolated ? 'cross-origin isolated: SharedArrayBuffer threads on' : 'not cross-origin isolated: single-threaded kernels'
  ranOn.title = isolation

  const buttons = VIEWS.map((view) => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${view}`, 'aria-controls': 'view', 'data-view': view }, LABELS[view])
    b.addEventListener('click', () => ctx.update({ view }))
    b.addEventListener('keydown', (e) => {
      const i = VIEWS.indexOf(view)
      const next = e.key === 'ArrowRight' ? VIEWS[(i + 1) % VIEWS.length] : e.key === 'ArrowLeft' ? VIEWS[(i + VIEWS.length - 1) % VIEWS.length] : undefined
      if (next) {
        e.preventDefault()
        ctx.update({ view: next })
        document.getElementById(`tab-${next}`)?.focus()
      }
    })
    return b
  })
  tabs.append(...buttons)

  const render = () => {
    for (const b of buttons) {
      const active = b.dataset['view'] === state.view
      b.setAttribute('aria-selected', String(active))
      b.tabIndex = active ? 0 : -1
    }
    panel.setAttribute('aria-labelledby', `tab-${state.view}`)
    RENDER[state.view](ctx, panel)
  }
  const ctx: AppContext = {
    engine,
    info,
    state: () => state,
    update(change) {
      state = { ...state, ...change }
      history.replaceState(null, '', writeState(state))
      render()
    },
    ranOn(text) {
      ranOn.textContent = text
    },
  }
  window.addEventListener('popstate', () => {
    state = readState(location.search)
    render()
  })
  render()
}

void start()
