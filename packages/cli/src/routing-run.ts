import { InvalidArgumentError, LIMITS, createPrng, indexArrayToInt32, resolveParameters } from '@routesim/core'
import type { BackendRun, KernelBackend, Seed, ShapedInput, Tensor } from '@routesim/core'
import { balancedness, countTokensWithDuplicateIds, duplicateIdRate, expertCounts, loadSummary, rankLoads } from '@routesim/analysis'
import type { LoadSummary, Placement } from '@routesim/analysis'
import type { Simulator } from '@routesim/simulator'

/** One `route` run: a strategy with parameters on a [tokens, experts] layer. */
export interface RouteRequest {
  readonly strategy: string
  readonly params: Readonly<Record<string, unknown>>
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  readonly seed: Seed
  /** A kernel backend to route on, for strategies that have a backend path (default: the simulator's). */
  readonly backend?: KernelBackend | undefined
  /** EP ranks for balancedness (mean/max rank load); left out, no rank metrics. */
  readonly epSize?: number | undefined
  readonly placement?: Placement | undefined
}

export interface RouteOutcome {
  /** The registered (lower-case) name. */
  readonly strategy: string
  /** Every parameter with its default filled in. */
  readonly parameters: Record<string, unknown>
  readonly usesLogits: boolean
  /** Per-expert top-k slot counts; sums to tokens·topK. */
  readonly counts: Int32Array
  /** The routing itself, `[tokens, topK]` row-major (for `--out`). */
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

/** One run holds T·k ids and, for routers, T·E logits in memory: at most this many of each (1 GiB of float32). */
export const MAX_ROUTE_ELEMENTS = LIMITS.maxElements

function assertFits(request: RouteRequest, usesLogits: boolean): void {
  const perToken = Math.max(request.topK, usesLogits ? request.experts : 0)
  const limit = Math.floor(MAX_ROUTE_ELEMENTS / perToken)
  if (request.tokens > limit) {
    const what = usesLogits ? `tokens × experts logits` : `tokens × top-k ids`
    throw new InvalidArgumentError({
      parameter: '--tokens',
      value: request.tokens,
      allowed: `at most ${limit} here (${what} must stay ≤ 2^28 elements in one run; use \`routesim simulate\` to stream more)`,
    })
  }
}

/**
 * N(0, 1) router logits `[tokens, experts]` from the run's seed, on a stream of their own so the
 * strategy's draws do not depend on whether logits were made.
 */
export function syntheticLogits(tokens: number, experts: number, seed: Seed): Tensor<Float32Array> {
  const prng = createPrng(seed, 'routesim-cli', 'logits')
  const data = new Float32Array(tokens * experts)
  for (let i = 0; i < data.length; i++) data[i] = prng.nextNormal()
  return { data, shape: [tokens, experts] }
}

/** Hooks a caller uses to show progress; awaited, so they can let a progress bar redraw. */
export interface RouteProgressHooks {
  /** After each chunk of synthetic logits: `done` of `total` tokens have their logits. */
  logits?(done: number, total: number): Promise<void> | void
  /** Just before the strategy routes (one call that cannot report progress itself). */
  routing?(): Promise<void> | void
}

/** Tokens of synthetic logits made between two progress reports (~0.1 s at E = 256). */
const LOGIT_CHUNK_TOKENS = 4096

/** `syntheticLogits`, made in chunks with a report after each; the same numbers, the same stream. */
async function syntheticLogitsReporting(
  tokens: number,
  experts: number,
  seed: Seed,
  report: NonNullable<RouteProgressHooks['logits']>,
): Promise<Tensor<Float32Array>> {
  const prng = createPrng(seed, 'routesim-cli', 'logits')
  const data = new Float32Array(tokens * experts)
  for (let t = 0; t < tokens; t += LOGIT_CHUNK_TOKENS) {
    const end = Math.min(tokens, t + LOGIT_CHUNK_TOKENS) * experts
    for (let i = t * experts; i < end; i++) data[i] = prng.nextNormal()
    await report(Math.min(tokens, t + LOGIT_CHUNK_TOKENS), tokens)
  }
  return { data, shape: [tokens, experts] }
}

/** Routes once and measures the loads with `@routesim/analysis`. Throws the strategy's typed errors. */
export async function routeOnce(simulator: Simulator, request: RouteRequest, hooks: RouteProgressHooks = {}): Promise<RouteOutcome> {
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

  // The library's one routing path: the strategy's backend path on the backend, else its own code.
  const routed = await simulator.route({
    strategy,
    hiddenStates,
    routerLogits: logits,
    topK: request.topK,
    indicesType: 'int32',
    backend: request.backend,
    prng: 'strategy',
  })
  const { ranOn, lastRun } = routed
  const ids = indexArrayToInt32(routed.ids.data)
  const counts = expertCounts(ids, request.experts)
  const tokensWithDuplicates = countTokensWithDuplicateIds(ids, request.topK)
  const outcome: RouteOutcome = {
    strategy: definition.name,
    parameters,
    usesLogits,
    counts,
    ids,
    weights: routed.weights.data,
    summary: loadSummary(counts),
    tokensWithDuplicates,
    duplicateIdRate: duplicateIdRate(ids, request.topK),
    ranOn,
    ...(lastRun ? { lastRun: { operation: lastRun.operation, ranOn: lastRun.ranOn, reason: lastRun.reason } } : {}),
  }
  if (request.epSize === undefined) return outcome
  const placement = request.placement ?? 'linear'
  const loads = rankLoads(counts, request.epSize, placement)
  return { ...outcome, ranks: { epSize: request.epSize, placement, loads, balancedness: balancedness(loads) } }
}
