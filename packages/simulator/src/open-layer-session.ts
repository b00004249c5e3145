import { REPLICA_POLICIES } from '@routesim/analysis'
import { InvalidArgumentError, assertFiniteNumber, assertNonNegativeInteger, assertOneOf, assertPositiveInteger, checkLimit } from '@routesim/core'
import { resolveChunkBackend } from './chunk-backend.ts'
import { createChunkRunner } from './default-runner.ts'
import { createLayerSessionTask, openLayerSession } from './layer-session.ts'
import type { LayerSession, LayerSessionSpec } from './layer-session.ts'
import type { Simulator } from './simulator.ts'
import { WORKER_DEFINITIONS } from './worker-definitions.ts'

/**
 * Hand-off size of a layer session: a step goes to the threads only when each layer routes at least this many
 * top-k slots (tokens × k). Measured (docs/performance.md, issue 14): a pinned job handed to the workers and
 * waited for costs ~0.02–0.05 ms, a layer-step of the scenario loop costs ~10–20 ns per slot, so below ~2,048
 * slots a layer's work is no longer several times the hand-off and the calling thread keeps the run.
 */
export const LAYER_SESSION_MIN_SLOTS = 2048

const WORKER_NAMES = new Set(WORKER_DEFINITIONS.map((d) => d.name))

/**
 * Why `strategy` cannot be routed in a session (a strategy the worker script cannot build: a plugin, an
 * instance registered at runtime, a built-in replaced under its name), or undefined when it can.
 */
export function layerSessionBlocker(simulator: Simulator, strategy: string): string | undefined {
  checkSimulator(simulator)
  if (typeof strategy !== 'string') throw new InvalidArgumentError({ parameter: 'strategy', value: strategy, allowed: 'a registered strategy name' })
  const entry = simulator.registry.get(strategy)
  if (entry.builtIn && entry.definition !== undefined && WORKER_NAMES.has(entry.name)) return undefined
  return `strategy '${strategy}' is not a built-in the worker threads can build (registered at runtime)`
}

let callerTask: ReturnType<typeof createLayerSessionTask> | undefined

export interface OpenLayerSessionOptions {
  /** Threads, the calling one included: default the simulator's (`createSimulator({ threads })`, `ROUTESIM_THREADS`, every core). */
  readonly threads?: number | undefined
}

/** Where a multi-step run routes its layers: a session on the threads, or (no session) the caller's own loop, and why. */
export interface LayerSessionChoice {
  readonly session: LayerSession | undefined
  /** Threads the layers run on (1: the calling thread). */
  readonly threads: number
  readonly reason: string
}

/**
 * Opens a layer session for a multi-step run when it pays: layer ℓ's strategy (built from its definition name,
 * resolved parameters and seed) and streams live on one thread for the whole run, and each `step()` routes every
 * layer at once on the threads. Results are the same bytes for any thread count, and the same as routing each
 * layer in order on one thread with the same instances and streams. No session (the caller routes its layers
 * itself) for a strategy the workers cannot build (`layerSessionBlocker`), one thread, a thread that may not
 * block, one layer, or layers under `LAYER_SESSION_MIN_SLOTS` slots.
 */
export function openSimulatorLayerSession(simulator: Simulator, spec: LayerSessionSpec, options: OpenLayerSessionOptions = {}): LayerSessionChoice {
  checkSimulator(simulator)
  checkSpec(spec)
  for (const layer of spec.layers) {
    const blocker = layerSessionBlocker(simulator, layer.strategy)
    if (blocker !== undefined) return { session: undefined, threads: 1, reason: blocker }
  }
  const pool = options.threads === undefined ? simulator.runner : createChunkRunner(options.threads, resolveChunkBackend().backend)
  if (pool.threads === 1) return { session: undefined, threads: 1, reason: 'one thread' }
  if (!pool.parallel)
    return {
      session: undefined,
      threads: 1,
      reason:
        'this thread cannot wait for workers (no SharedArrayBuffer or Atomics.wait here, e.g. a browser main thread or a page without cross-origin isolation)',
    }
  const L = spec.layers.length
  if (L < 2) return { session: undefined, threads: 1, reason: 'one layer' }
  const slots = spec.tokens * spec.topK
  if (slots < LAYER_SESSION_MIN_SLOTS) {
    return { session: undefined, threads: 1, reason: `${slots} slots per layer-step, under the hand-off size (${LAYER_SESSION_MIN_SLOTS})` }
  }
  pool.start?.()
  callerTask ??= createLayerSessionTask(WORKER_DEFINITIONS, resolveChunkBackend().backend)
  const session = openLayerSession(spec, pool, callerTask)
  return { session, threads: session.threads, reason: `${L} layers pinned to ${session.threads} threads` }
}

function checkSimulator(simulator: unknown): void {
  const s = simulator as Partial<Simulator> | null
  if (typeof s !== 'object' || s === null || typeof s.registry?.get !== 'function' || typeof s.runner?.run !== 'function') {
    throw new InvalidArgumentError({ parameter: 'simulator', value: simulator, allowed: 'a Simulator from createSimulator' })
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The spec's shape, before anything is allocated or sent to a thread. */
function checkSpec(spec: LayerSessionSpec): void {
  if (!isObject(spec)) throw new InvalidArgumentError({ parameter: 'spec', value: spec, allowed: 'a LayerSessionSpec object' })
  const tokens = assertPositiveInteger('spec.tokens', spec.tokens)
  assertPositiveInteger('spec.hiddenSize', spec.hiddenSize)
  const experts = checkLimit('spec.experts', assertPositiveInteger('spec.experts', spec.experts), 'maxExperts', 1)
  const topK = assertPositiveInteger('spec.topK', spec.topK, experts)
  const epSize = assertPositiveInteger('spec.epSize', spec.epSize)
  assertPositiveInteger('spec.nodes', spec.nodes, epSize)
  assertOneOf('spec.replicaChoice', spec.replicaChoice, REPLICA_POLICIES)
  if (!isObject(spec.logits)) throw new InvalidArgumentError({ parameter: 'spec.logits', value: spec.logits, allowed: '{ mean, std }' })
  assertFiniteNumber('spec.logits.mean', spec.logits.mean)
  assertFiniteNumber('spec.logits.std', spec.logits.std, { min: 0 })
  if (typeof spec.keepRouting !== 'boolean')
    throw new InvalidArgumentError({ parameter: 'spec.keepRouting', value: spec.keepRouting, allowed: 'true or false' })
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new InvalidArgumentError({ parameter: 'spec.layers', value: spec.layers, allowed: 'a non-empty array of layers' })
  }
  checkLimit('spec.layers.length', spec.layers.length, 'maxLayers', 1)
  checkLimit('layers × tokens × topK', spec.layers.length * tokens * topK, 'maxElements', 1)
  spec.layers.forEach((layer, l) => {
    const at = `spec.layers[${l}]`
    if (!isObject(layer) || typeof layer.strategy !== 'string' || !isObject(layer.params)) {
      throw new InvalidArgumentError({ parameter: at, value: layer, allowed: '{ strategy, params, seed, layer, routing, logits?, replica? }' })
    }
    assertNonNegativeInteger(`${at}.layer`, layer.layer)
    for (const key of ['routing', 'logits', 'replica'] as const) {
      const state = layer[key] as unknown
      if (state === undefined && key !== 'routing') continue
      const words = isObject(state) ? state['state'] : undefined
      if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
        throw new InvalidArgumentError({ parameter: `${at}.${key}`, value: state, allowed: "a PrngState (a core Prng's getState())" })
      }
    }
  })
}
