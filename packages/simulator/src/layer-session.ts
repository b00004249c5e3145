import { countTokensWithDuplicateIds, accumulateExpertCounts, dispatchStats, loadSummary, mapToPhysical } from '@routesim/analysis'
import type { ExpertMap, LoadSummary, ReplicaPolicy } from '@routesim/analysis'
import { InvalidArgumentError, RoutesimError, assertFiniteNumber, assertPrng, createPrngFromState, indexArrayToInt32, resolveParameters } from '@routesim/core'
import type { ChunkRunner, KernelBackend, Prng, PrngState, RoutingStrategy, Seed, ShapedInput, StrategyDefinition, Tensor } from '@routesim/core'

/** One layer of a session: a built-in definition by name, its resolved parameters, and the layer's streams. */
export interface LayerSessionLayer {
  readonly strategy: string
  readonly params: Readonly<Record<string, unknown>>
  /** The instance's seed (`create(params, { seed })`). */
  readonly seed: Seed
  /** `context.layer` of every call. */
  readonly layer: number
  /** The stream the strategy draws from (`context.prng`), continued from step to step. */
  readonly routing: PrngState
  /** Present for strategies that read logits: the stream of the layer's N(mean, std²) logits, continued from step to step. */
  readonly logits?: PrngState | undefined
  /** Present for the `random` replica choice: the stream that picks replicas. */
  readonly replica?: PrngState | undefined
}

/** What a session routes each step, and how it dispatches. Plain data: it travels to every thread once. */
export interface LayerSessionSpec {
  readonly tokens: number
  /** Only the shape `[tokens, hiddenSize]` reaches strategies. */
  readonly hiddenSize: number
  readonly experts: number
  readonly topK: number
  readonly layers: readonly LayerSessionLayer[]
  readonly logits: { readonly mean: number; readonly std: number }
  readonly replicaChoice: ReplicaPolicy
  readonly epSize: number
  readonly nodes: number
  /** Keep every layer's ids and weights of the last step (`LayerSessionOutputs.ids/weights`). */
  readonly keepRouting: boolean
}

/** Per-layer results of the last step, `[layers, …]` row-major; views stay valid until the next step. */
export interface LayerSessionOutputs {
  /** `[L, experts]` top-k slots per logical expert. */
  readonly counts: Int32Array
  /** `[L, epSize]` top-k slots served by each rank on the layer's map (`dispatchStats(...).rankSlotLoads`). */
  readonly rankLoads: Float64Array
  /** `[L, epSize²]` home rank → destination rank token copies. */
  readonly traffic: Float64Array
  /** `[L, LOAD_SUMMARY_FIELDS.length]`: `loadSummary(counts)` of each layer, field by field (`readLoadSummary`). */
  readonly loads: Float64Array
  /** `[L, LAYER_STAT_FIELDS]`: copies leaving rank, copies leaving node, tokens leaving rank, tokens leaving node, tokens with a repeated id. */
  readonly stats: Float64Array
  /** `[L, tokens, topK]`, only with `keepRouting`. */
  readonly ids?: Int32Array
  readonly weights?: Float32Array
}

export const LAYER_STAT_FIELDS = 5

/** `LoadSummary`'s fields in the order `loadSummary` writes them (all numbers), so a summary travels as numbers. */
export const LOAD_SUMMARY_FIELDS: readonly (keyof LoadSummary)[] = Object.keys(loadSummary(new Int32Array([1, 0]))) as (keyof LoadSummary)[]

/** Layer ℓ's load summary from a session's outputs: the object `loadSummary` returned in the layer's thread, key for key. */
export function readLoadSummary(out: LayerSessionOutputs, layer: number): LoadSummary {
  const n = LOAD_SUMMARY_FIELDS.length
  if (typeof out !== 'object' || out === null || !(out.loads instanceof Float64Array)) {
    throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: "a layer session's outputs (session.step())" })
  }
  const layers = out.loads.length / n
  if (!Number.isInteger(layer) || layer < 0 || layer >= layers) {
    throw new InvalidArgumentError({ parameter: 'layer', value: layer, allowed: `an integer in [0, ${layers - 1}]` })
  }
  const summary: Record<string, number> = {}
  for (let i = 0; i < n; i++) summary[LOAD_SUMMARY_FIELDS[i]!] = out.loads[layer * n + i]!
  return summary as unknown as LoadSummary
}

/** A new map for one layer, sent with the next step only. */
interface LayerMap {
  readonly layer: number
  readonly map: MapMessage
}

/** A layer's map as it travels to the thread that owns the layer (shared arrays when threads read it). */
interface MapMessage extends ExpertMap {
  readonly dispatchTable?: Int32Array | undefined
}

type SessionArgs =
  | { readonly op: 'open'; readonly session: number; readonly spec: LayerSessionSpec; readonly out: LayerSessionOutputs }
  | { readonly op: 'step'; readonly session: number; readonly maps: readonly LayerMap[] }
  | { readonly op: 'close'; readonly session: number }

interface LayerState {
  readonly strategy: RoutingStrategy
  readonly routing: Prng
  readonly logits: Prng | undefined
  readonly replica: Prng | undefined
  map: MapMessage | undefined
}

interface ThreadSession {
  readonly spec: LayerSessionSpec
  readonly out: LayerSessionOutputs
  readonly layers: Map<number, LayerState>
  /** This thread's scratch, shared by its layers (one runs at a time). */
  logits: Float32Array | undefined
  readonly physical: Int32Array
}

/**
 * Per-layer routing that keeps each layer's strategy instance and streams in ONE thread for a whole run: the
 * session's jobs are pinned (`ChunkJob.pinned`), so layer ℓ always runs where its state lives, and a step routes
 * every layer at once. What a layer draws depends only on its own state, never on the thread or the thread count.
 * The task is the same code in the calling thread and in workers (each keeps the sessions of its own layers).
 */
export function createLayerSessionTask(
  definitions: readonly StrategyDefinition[],
  backend: KernelBackend | undefined,
): (args: SessionArgs, chunk: number) => void {
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const sessions = new Map<number, ThreadSession>()
  // Strategies inside a layer run on this thread alone (their own row chunks in order: the same bytes as on a pool).
  const runner: ChunkRunner = {
    threads: 1,
    parallel: false,
    backend,
    run: (job) => {
      for (let c = 0; c < job.chunks; c++) job.runChunk(job.args, c)
    },
  }

  const open = (args: Extract<SessionArgs, { op: 'open' }>, chunk: number): void => {
    let session = sessions.get(args.session)
    if (session === undefined) {
      session = { spec: args.spec, out: args.out, layers: new Map(), logits: undefined, physical: new Int32Array(args.spec.tokens * args.spec.topK) }
      sessions.set(args.session, session)
    }
    const layer = args.spec.layers[chunk]!
    const definition = byName.get(layer.strategy)
    if (definition === undefined) throw new InvalidArgumentError({ parameter: 'strategy', value: layer.strategy, allowed: 'a built-in strategy' })
    session.layers.set(chunk, {
      strategy: definition.create(resolveParameters(layer.strategy, definition.parameters, layer.params), { seed: layer.seed }),
      routing: createPrngFromState(layer.routing),
      logits: layer.logits === undefined ? undefined : createPrngFromState(layer.logits),
      replica: layer.replica === undefined ? undefined : createPrngFromState(layer.replica),
      map: undefined,
    })
  }

  const step = (args: Extract<SessionArgs, { op: 'step' }>, chunk: number): void => {
    const session = sessions.get(args.session)
    const state = session?.layers.get(chunk)
    if (session === undefined || state === undefined) {
      throw new RoutesimError(
        'layer_state_missing',
        `Layer ${chunk} of session ${args.session} has no state on this thread: its jobs must be pinned to threads`,
      )
    }
    for (const given of args.maps) if (given.layer === chunk) state.map = given.map
    if (state.map === undefined) throw new RoutesimError('layer_state_missing', `Layer ${chunk} of session ${args.session} was given no expert map`)
    routeLayer(session, state, state.map, chunk, runner)
  }

  return (args, chunk) => {
    if (args.op === 'open') open(args, chunk)
    else if (args.op === 'step') step(args, chunk)
    else {
      const session = sessions.get(args.session)
      session?.layers.delete(chunk)
      if (session?.layers.size === 0) sessions.delete(args.session)
    }
  }
}

/** One layer-step: logits (when read), the strategy, its counts, and the dispatch on the layer's map. */
function routeLayer(session: ThreadSession, state: LayerState, map: MapMessage, chunk: number, runner: ChunkRunner): void {
  const { spec, out } = session
  const { tokens: T, experts: E, topK: k, epSize: R } = spec
  const layer = spec.layers[chunk]!
  let logits: Tensor | ShapedInput = { shape: [T, E] }
  if (state.logits) {
    const data = (session.logits ??= new Float32Array(T * E))
    fillNormalLogits(data, spec.logits.mean, spec.logits.std, state.logits)
    logits = { data, shape: [T, E] }
  }
  const [weights, routed] = state.strategy.routeTokens({ shape: [T, spec.hiddenSize] }, logits, k, 'int32', { prng: state.routing, layer: layer.layer, runner })
  const ids = indexArrayToInt32(routed.data)
  const slots = T * k
  if (spec.keepRouting) {
    out.ids!.set(ids, chunk * slots)
    out.weights!.set(weights.data, chunk * slots)
  }
  const counts = out.counts.subarray(chunk * E, (chunk + 1) * E)
  counts.fill(0)
  accumulateExpertCounts(ids, counts) // also rejects ids outside [0, E)
  const load = loadSummary(counts)
  const fields = LOAD_SUMMARY_FIELDS.length
  for (let i = 0; i < fields; i++) out.loads[chunk * fields + i] = load[LOAD_SUMMARY_FIELDS[i]!]
  const policy = spec.replicaChoice
  mapToPhysical(ids, k, map, policy, {
    out: session.physical,
    ...(policy === 'random' ? { prng: state.replica! } : {}),
    ...(map.dispatchTable ? { dispatchTable: map.dispatchTable } : {}),
  })
  const dispatch = dispatchStats(session.physical, k, map, { numNodes: spec.nodes })
  out.rankLoads.set(dispatch.rankSlotLoads, chunk * R)
  out.traffic.set(dispatch.traffic, chunk * R * R)
  const s = chunk * LAYER_STAT_FIELDS
  out.stats[s] = dispatch.copiesLeavingRank
  out.stats[s + 1] = dispatch.copiesLeavingNode
  out.stats[s + 2] = dispatch.tokensLeavingRank
  out.stats[s + 3] = dispatch.tokensLeavingNode
  out.stats[s + 4] = countTokensWithDuplicateIds(ids, k)
}

const NORMAL_WORDS = new Uint32Array(4 * 4096)
const INV_TWO_POW_53 = 2 ** -53

/**
 * `out[i] = mean + std · prng.nextNormal()` for every i, bit for bit (and the stream left where those calls leave
 * it), ~25 % faster: the words of 4,096 draws come from one `fillUint32` (the same sequence as `nextUint32`), and
 * each draw repeats `nextNormal`'s arithmetic (two 53-bit doubles, Box–Muller) on them.
 */
export function fillNormalLogits(out: Float32Array, mean: number, std: number, prng: Prng): void {
  if (!(out instanceof Float32Array)) throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: 'a Float32Array' })
  assertFiniteNumber('mean', mean)
  assertFiniteNumber('std', std, { min: 0 })
  assertPrng('prng', prng)
  const block = NORMAL_WORDS.length >> 2
  for (let start = 0; start < out.length; start += block) {
    const n = Math.min(block, out.length - start)
    const w = n === block ? NORMAL_WORDS : NORMAL_WORDS.subarray(0, 4 * n)
    prng.fillUint32(w)
    for (let i = 0; i < n; i++) {
      const j = 4 * i
      const u1 = 1 - ((w[j]! >>> 5) * 67108864 + (w[j + 1]! >>> 6)) * INV_TWO_POW_53
      const u2 = ((w[j + 2]! >>> 5) * 67108864 + (w[j + 3]! >>> 6)) * INV_TWO_POW_53
      out[start + i] = mean + std * (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2))
    }
  }
}

/** A run's layers, each routed on the thread that holds its state. */
export interface LayerSession {
  /** Threads the layers are spread over (1: all on the calling thread). */
  readonly threads: number
  /** The map layer ℓ dispatches on from the next step on (with its SGLang table for `rank_local`). */
  setMap(layer: number, map: ExpertMap, dispatchTable?: Int32Array): void
  /** Routes every layer once; the outputs hold this step until the next. */
  step(): LayerSessionOutputs
  /** Frees every thread's state of the session. */
  close(): void
}

let nextSession = 1

/**
 * Opens a session on `runner` (pinned jobs; a runner that is not parallel runs every layer here). `task` is this
 * thread's copy of the workers' task (the same code, the state of the layers this thread owns).
 */
export function openLayerSession(spec: LayerSessionSpec, runner: ChunkRunner, task: (args: SessionArgs, chunk: number) => void): LayerSession {
  const L = spec.layers.length
  const shared = runner.parallel
  const alloc = <T extends Int32Array | Float64Array | Float32Array>(make: new (buffer: ArrayBuffer | SharedArrayBuffer) => T, bytes: number): T =>
    new make(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
  const slots = spec.tokens * spec.topK
  const out: LayerSessionOutputs = {
    counts: alloc(Int32Array, L * spec.experts * 4),
    rankLoads: alloc(Float64Array, L * spec.epSize * 8),
    traffic: alloc(Float64Array, L * spec.epSize * spec.epSize * 8),
    stats: alloc(Float64Array, L * LAYER_STAT_FIELDS * 8),
    loads: alloc(Float64Array, L * LOAD_SUMMARY_FIELDS.length * 8),
    ...(spec.keepRouting ? { ids: alloc(Int32Array, L * slots * 4), weights: alloc(Float32Array, L * slots * 4) } : {}),
  }
  const session = nextSession++
  const run = (args: SessionArgs): void => runner.run({ task: LAYER_SESSION_TASK, args, chunks: L, runChunk: task, pinned: true })
  run({ op: 'open', session, spec, out })
  // Maps set since the last step, by layer (a later one for the same layer replaces the earlier).
  let maps = new Map<number, MapMessage>()
  const copy = (a: Int32Array): Int32Array => {
    if (!shared) return a
    const c = new Int32Array(new SharedArrayBuffer(a.byteLength))
    c.set(a)
    return c
  }
  let closed = false
  return {
    threads: runner.parallel ? Math.min(runner.threads, L) : 1,
    setMap(layer, map, dispatchTable) {
      maps.set(layer, {
        numLogical: map.numLogical,
        numPhysical: map.numPhysical,
        numRanks: map.numRanks,
        maxReplicas: map.maxReplicas,
        physicalToLogical: copy(map.physicalToLogical),
        logicalToPhysical: copy(map.logicalToPhysical),
        replicaCount: copy(map.replicaCount),
        slotRank: copy(map.slotRank),
        ...(dispatchTable ? { dispatchTable: copy(dispatchTable) } : {}),
      })
    },
    step() {
      const given = [...maps].map(([layer, map]) => ({ layer, map }))
      maps = new Map()
      run({ op: 'step', session, maps: given })
      return out
    },
    close() {
      if (closed) return
      closed = true
      run({ op: 'close', session })
    },
  }
}

/** The worker script's name of the session task. */
export const LAYER_SESSION_TASK = 'layer_session'
