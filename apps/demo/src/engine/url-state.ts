import { InvalidArgumentError, parseParameterValue } from '@routesim/core'
import type { ParameterSpecs, Seed } from '@routesim/core'
import { BACKEND_CHOICES } from '@routesim/simulator'

/** The views of the app, as `?view=` names them. */
export const VIEWS = ['explore', 'compare', 'scenario', 'trace'] as const
export type View = (typeof VIEWS)[number]

/** The kernel backends the app offers: the library registry's choices (`routesim --backend`); `wasm` is the default. */
export const APP_BACKENDS = BACKEND_CHOICES
export type AppBackend = (typeof APP_BACKENDS)[number]

/** Query keys that are not strategy parameters (the CLI's flag names where the CLI has one). */
export const RESERVED_KEYS = ['view', 'strategy', 'tokens', 'experts', 'top-k', 'seed', 'ep-size', 'backend', 'strategies'] as const

/** Explore's state: what `routesim route` takes, plus the view and backend. */
export interface ExploreState {
  readonly view: View
  readonly strategy: string
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  readonly seed: Seed
  readonly epSize: number
  readonly backend: AppBackend
  /** Strategy parameters given in the URL (raw text, parsed against the specs by `strategyParams`). */
  readonly params: Readonly<Record<string, string>>
  /** Compare: the strategies side by side. */
  readonly strategies: readonly string[]
}

export const DEFAULT_STATE: ExploreState = {
  view: 'explore',
  strategy: 'zipf',
  tokens: 4096,
  experts: 256,
  topK: 8,
  seed: 0,
  epSize: 32,
  backend: 'wasm',
  params: {},
  strategies: ['uniform_random', 'zipf', 'lognormal'],
}

const INTEGER = /^[+-]?\d+$/

/** `--seed` as the CLI reads it: an integer (a bigint beyond 2^53) or else the text itself. */
export function parseSeed(raw: string): Seed {
  const text = raw.trim()
  if (INTEGER.test(text)) {
    const big = BigInt(text)
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
  }
  if (text === '') throw new InvalidArgumentError({ parameter: 'seed', value: raw, allowed: 'an integer or a non-empty string' })
  return text
}

function integer(key: string, raw: string | null, fallback: number, min: number): number {
  if (raw === null) return fallback
  const v = INTEGER.test(raw.trim()) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(v) || v < min) throw new InvalidArgumentError({ parameter: key, value: raw, allowed: `an integer ≥ ${min}` })
  return v
}

/** Reads the query string; bad values throw typed errors naming the key (the page shows them). */
export function readState(search: string): ExploreState {
  const q = new URLSearchParams(search)
  const view = (q.get('view') ?? DEFAULT_STATE.view) as View
  if (!VIEWS.includes(view)) throw new InvalidArgumentError({ parameter: 'view', value: view, allowed: `one of [${VIEWS.join(', ')}]` })
  const backend = (q.get('backend') ?? DEFAULT_STATE.backend) as AppBackend
  if (!APP_BACKENDS.includes(backend)) throw new InvalidArgumentError({ parameter: 'backend', value: backend, allowed: `one of [${APP_BACKENDS.join(', ')}]` })
  const params: Record<string, string> = {}
  for (const [k, v] of q) if (!(RESERVED_KEYS as readonly string[]).includes(k)) params[k] = v
  const strategies = q.get('strategies')
  return {
    view,
    strategy: q.get('strategy') ?? DEFAULT_STATE.strategy,
    tokens: integer('tokens', q.get('tokens'), DEFAULT_STATE.tokens, 1),
    experts: integer('experts', q.get('experts'), DEFAULT_STATE.experts, 1),
    topK: integer('top-k', q.get('top-k'), DEFAULT_STATE.topK, 1),
    seed: q.has('seed') ? parseSeed(q.get('seed')!) : DEFAULT_STATE.seed,
    epSize: integer('ep-size', q.get('ep-size'), DEFAULT_STATE.epSize, 1),
    backend,
    params,
    strategies: strategies ? strategies.split(',').filter((s) => s !== '') : DEFAULT_STATE.strategies,
  }
}

/** Strategy parameters from their URL text, parsed by the library's own parser (as `--param key=value`). */
export function strategyParams(strategy: string, specs: ParameterSpecs, raw: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined
    // Unknown keys go through as text so the strategy's validation names them with the known ones.
    out[key] = spec ? parseParameterValue(strategy, key, spec, value) : value
  }
  return out
}

/** The query string for a state (defaults left out, except the routing shape, which the CLI requires). */
export function writeState(state: ExploreState): string {
  const q = new URLSearchParams()
  if (state.view !== 'explore') q.set('view', state.view)
  q.set('strategy', state.strategy)
  q.set('tokens', String(state.tokens))
  q.set('experts', String(state.experts))
  q.set('top-k', String(state.topK))
  q.set('seed', String(state.seed))
  if (state.epSize !== DEFAULT_STATE.epSize) q.set('ep-size', String(state.epSize))
  if (state.backend !== DEFAULT_STATE.backend) q.set('backend', state.backend)
  if (state.view === 'compare') q.set('strategies', state.strategies.join(','))
  for (const [k, v] of Object.entries(state.params)) q.set(k, v)
  return `?${q.toString()}`
}

/** The `routesim route` command line that routes what this state routes. */
export function cliCommand(state: ExploreState): string {
  const params = Object.entries(state.params)
    .map(([k, v]) => ` -p ${k}=${v}`)
    .join('')
  const backend = ` --backend ${state.backend}`
  return `routesim route --strategy ${state.strategy} --tokens ${state.tokens} --experts ${state.experts} --top-k ${state.topK} --seed ${String(state.seed)}${params}${backend} --ep-size ${state.epSize}`
}
