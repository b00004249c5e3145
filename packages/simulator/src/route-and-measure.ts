import { InvalidArgumentError, LIMITS, checkAllocation, checkLimit, createPrng, indexArrayToInt32, resolveParameters } from '@routesim/core'
import type { BackendRun, KernelBackend, Seed, ShapedInput, Tensor } from '@routesim/core'
import { balancedness, countTokensWithDuplicateIds, duplicateIdRate, expertCounts, loadSummary, rankLoads } from '@routesim/analysis'
import type { LoadSummary, Placement } from '@routesim/analysis'
import type { Simulator } from './simulator.ts'

/** One layer to route and measure: a strategy with parameters on a `[tokens, experts]` layer. */
export interface RouteMeasureRequest {
  readonly strategy: string
  /** The strategy's parameters as given; defaults are filled in and every value is checked once here. */
  readonly params: Readonly<Record<string, unknown>>
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  /** Seeds the synthetic router logits (the strategy draws from the simulator's definition stream). */
  readonly seed: Seed
  /** A kernel backend to route on, for strategies that have a backend path (default: the simulator's). */
  readonly backend?: KernelBackend | undefined
  /** EP ranks for balancedness (mean/max rank load); left out, no rank metrics. */
  readonly epSize?: number | undefined
  /** How experts sit on the ranks (default 'linear'). */
  readonly placement?: Placement | undefined
}

/** What one routed layer measured. */
export interface RouteMeasurement {
  /** The registered (lower-case) name. */
  readonly strategy: string
  /** Every parameter with its default filled in. */
  readonly parameters: Record<string, unknown>
  readonly usesLogits: boolean
  /** Per-expert top-k slot counts; sums to tokens·topK. */
  readonly counts: Int32Array
  /** The routing itself, `[tokens, topK]` row-major. */
  readonly ids: Int32Array
  readonly weights: Float32Array
  readonly summary: LoadSummary
  readonly tokensWithDuplicates: number
  /** Fraction of tokens that name an expert more than once. */
  readonly duplicateIdRate: number
  /** Per-rank loads and mean/max balancedness, when `epSize` was given. */
  readonly ranks?: { readonly epSize: number; readonly placement: Placement; readonly loads: Float64Array; readonly balancedness: number }
  /** What the routing ran on: 'reference' or the backend's mode. */
  readonly ranOn: string
  /** The backend's account of its last kernel call (kernel or handed to the reference, and why). */
  readonly lastRun?: BackendRun
}

/** Hooks a caller uses to show progress; awaited, so a terminal bar or a page can redraw between phases. */
export interface RouteMeasureHooks {
  /** After each chunk of synthetic logits: `done` of `total` tokens have their logits (routers only). */
  logits?(done: number, total: number): Promise<void> | void
  /** Just before the strategy routes (one call that cannot report progress itself). */
  routing?(): Promise<void> | void
  /** After routing, before the loads are counted and measured. */
  measuring?(): Promise<void> | void
}

/** One run holds T·k ids and, for routers, T·E logits in memory: at most this many of each (1 GiB of float32). */
const MAX_ROUTE_ELEMENTS = LIMITS.maxElements

/** The stream synthetic logits come from: `routesim route` has always drawn them here, so runs stay byte-identical. */
const LOGITS_STREAM = ['routesim-cli', 'logits'] as const

/** Tokens of synthetic logits made between two progress reports (~0.1 s at E = 256). */
const LOGIT_CHUNK_TOKENS = 4096

function assertFits(request: RouteMeasureRequest, usesLogits: boolean): void {
  const perToken = Math.max(request.topK, usesLogits ? request.experts : 0)
  const limit = Math.floor(MAX_ROUTE_ELEMENTS / perToken)
  if (request.tokens > limit) {
    const what = usesLogits ? `tokens × experts logits` : `tokens × top-k ids`
    throw new InvalidArgumentError({
      parameter: 'tokens',
      value: request.tokens,
      allowed: `at most ${limit} here (${what} must stay ≤ 2^28 elements in one run; route in steps, as scenarios and \`routesim simulate\` do, to go further)`,
    })
  }
}

/**
 * N(0, 1) router logits `[tokens, experts]` from a run's seed, on a stream of their own so the strategy's
 * draws do not depend on whether logits were made.
 */
export function syntheticLogits(tokens: number, experts: number, seed: Seed): Tensor<Float32Array> {
  checkLogitsShape(tokens, experts)
  const prng = createPrng(seed, ...LOGITS_STREAM)
  const data = new Float32Array(tokens * experts)
  for (let i = 0; i < data.length; i++) data[i] = prng.nextNormal()
  return { data, shape: [tokens, experts] }
}

function checkLogitsShape(tokens: unknown, experts: unknown): void {
  checkLimit('tokens', tokens, 'maxTokens', 1)
  checkLimit('experts', experts, 'maxExperts', 1)
  checkAllocation('tokens × experts logits', [[(tokens as number) * (experts as number), Float32Array.BYTES_PER_ELEMENT]])
}

/** `syntheticLogits`, made in chunks with an awaited report after each: the same numbers, the same stream. */
async function syntheticLogitsReporting(
  tokens: number,
  experts: number,
  seed: Seed,
  report: NonNullable<RouteMeasureHooks['logits']>,
): Promise<Tensor<Float32Array>> {
  checkLogitsShape(tokens, experts)
  const prng = createPrng(seed, ...LOGITS_STREAM)
  const data = new Float32Array(tokens * experts)
  for (let t = 0; t < tokens; t += LOGIT_CHUNK_TOKENS) {
    const end = Math.min(tokens, t + LOGIT_CHUNK_TOKENS)
    for (let i = t * experts; i < end * experts; i++) data[i] = prng.nextNormal()
    await report(end, tokens)
  }
  return { data, shape: [tokens, experts] }
}

function checkArguments(simulator: unknown, request: unknown, hooks: unknown): asserts request is RouteMeasureRequest {
  const s = simulator as Partial<Simulator> | null
  if (typeof s !== 'object' || s === null || typeof s.describeStrategy !== 'function' || typeof s.route !== 'function') {
    throw new InvalidArgumentError({ parameter: 'simulator', value: simulator, allowed: 'a Simulator from createSimulator()' })
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new InvalidArgumentError({
      parameter: 'request',
      value: request,
      allowed: 'an object { strategy, params, tokens, experts, topK, seed, backend?, epSize?, placement? }',
    })
  }
  if (typeof hooks !== 'object' || hooks === null) throw new InvalidArgumentError({ parameter: 'hooks', value: hooks, allowed: 'an object of progress hooks' })
  const r = request as Record<string, unknown>
  checkLimit('tokens', r['tokens'], 'maxTokens', 1)
  checkLimit('experts', r['experts'], 'maxExperts', 1)
  checkLimit('topK', r['topK'], 'maxTopK', 1)
}

/**
 * Routes one layer and measures it: the parameters resolved (once), synthetic logits for routers, the
 * library's one routing path (`simulator.route`: the strategy's backend path on the backend, else its own
 * code), then the loads with `@routesim/analysis`. `routesim route`, `routesim demo` and the web app all
 * call this, so the same arguments give the same bytes everywhere. Throws the strategy's typed errors.
 *
 * @example
 * const m = await routeAndMeasure(createSimulator({ seed: 1 }), { strategy: 'zipf', params: {}, tokens: 4096, experts: 256, topK: 8, seed: 1, epSize: 32 })
 * m.summary.maxOverMean, m.ranks?.balancedness
 */
export async function routeAndMeasure(simulator: Simulator, request: RouteMeasureRequest, hooks: RouteMeasureHooks = {}): Promise<RouteMeasurement> {
  checkArguments(simulator, request, hooks)
  const definition = simulator.describeStrategy(request.strategy)
  const parameters = resolveParameters(definition.name, definition.parameters, request.params)
  const strategy = simulator.createStrategy(definition.name, parameters)
  const usesLogits = definition.usesLogits === true
  assertFits(request, usesLogits)
  const hiddenStates: ShapedInput = { shape: [request.tokens, 1] }
  const logits: Tensor | ShapedInput = !usesLogits
    ? { shape: [request.tokens, request.experts] }
    : hooks.logits
      ? await syntheticLogitsReporting(request.tokens, request.experts, request.seed, hooks.logits)
      : syntheticLogits(request.tokens, request.experts, request.seed)
  await hooks.routing?.()

  const routed = await simulator.route({
    strategy,
    hiddenStates,
    routerLogits: logits,
    topK: request.topK,
    indicesType: 'int32',
    backend: request.backend,
    prng: 'strategy',
  })
  await hooks.measuring?.()
  const { ranOn, lastRun } = routed
  const ids = indexArrayToInt32(routed.ids.data)
  const counts = expertCounts(ids, request.experts)
  const outcome: RouteMeasurement = {
    strategy: definition.name,
    parameters,
    usesLogits,
    counts,
    ids,
    weights: routed.weights.data,
    summary: loadSummary(counts),
    tokensWithDuplicates: countTokensWithDuplicateIds(ids, request.topK),
    duplicateIdRate: duplicateIdRate(ids, request.topK),
    ranOn,
    // A copy: the backend's own record changes with its next call.
    ...(lastRun ? { lastRun: { operation: lastRun.operation, ranOn: lastRun.ranOn, reason: lastRun.reason } } : {}),
  }
  if (request.epSize === undefined) return outcome
  const placement = request.placement ?? 'linear'
  const loads = rankLoads(counts, request.epSize, placement)
  return { ...outcome, ranks: { epSize: request.epSize, placement, loads, balancedness: balancedness(loads) } }
}
