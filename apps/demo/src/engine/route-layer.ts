import { InvalidArgumentError, createPrng, resolveParameters } from '@routesim/core'
import type { KernelBackend, RoutingResult, Seed, ShapedInput, Tensor } from '@routesim/core'
import { balancedness, countTokensWithDuplicateIds, duplicateIdRate, expertCounts, loadSummary, rankLoads } from '@routesim/analysis'
import type { LoadSummary } from '@routesim/analysis'
import { createSimulator } from '@routesim/simulator'

/** One layer to route, named as `routesim route` names its flags. */
export interface RouteRequest {
  readonly strategy: string
  readonly params: Readonly<Record<string, unknown>>
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  readonly seed: Seed
  readonly epSize?: number | undefined
}

export interface RouteLayerResult {
  readonly strategy: string
  readonly parameters: Record<string, unknown>
  readonly usesLogits: boolean
  /** `[tokens, topK]` expert ids and weights. */
  readonly ids: Int32Array
  readonly weights: Float32Array
  readonly counts: Int32Array
  readonly summary: LoadSummary
  readonly duplicateIdRate: number
  readonly tokensWithDuplicates: number
  readonly ranks?: { readonly epSize: number; readonly loads: Float64Array; readonly balancedness: number }
  readonly ranOn: string
  readonly lastRun?: { readonly operation: string; readonly ranOn: string; readonly reason: string }
}

/** T·k ids and, for routers, T·E logits held at once: the CLI's limit (2^28 elements), so a URL the CLI refuses is refused here too. */
export const MAX_ROUTE_ELEMENTS = 2 ** 28

/**
 * The CLI's synthetic router logits: N(0, 1) from the run's seed on the stream `('routesim-cli', 'logits')`,
 * so the same URL and `routesim route` flags route the same logits.
 */
export function syntheticLogits(tokens: number, experts: number, seed: Seed): Tensor<Float32Array> {
  const prng = createPrng(seed, 'routesim-cli', 'logits')
  const data = new Float32Array(tokens * experts)
  for (let i = 0; i < data.length; i++) data[i] = prng.nextNormal()
  return { data, shape: [tokens, experts] }
}

function lastRunOf(backend: KernelBackend): RouteLayerResult['lastRun'] {
  const run = (backend as { lastRun?: { operation?: unknown; ranOn?: unknown; reason?: unknown } }).lastRun
  if (!run || typeof run.operation !== 'string' || typeof run.ranOn !== 'string' || typeof run.reason !== 'string') return undefined
  return { operation: run.operation, ranOn: run.ranOn, reason: run.reason }
}

/**
 * Routes one layer with the same library calls, in the same order, as `routesim route`
 * (a simulator seeded with the run's seed, the strategy created through it, the CLI's logits),
 * so the ids are byte-identical to the CLI's for the same arguments (test/route-equivalence.test.ts).
 */
export async function routeLayer(request: RouteRequest, backend?: KernelBackend): Promise<RouteLayerResult> {
  const simulator = createSimulator({ seed: request.seed })
  const definition = simulator.describeStrategy(request.strategy)
  const parameters = resolveParameters(definition.name, definition.parameters, request.params)
  const strategy = simulator.createStrategy(definition.name, parameters)
  const usesLogits = definition.usesLogits === true
  const perToken = Math.max(request.topK, usesLogits ? request.experts : 0)
  const limit = Math.floor(MAX_ROUTE_ELEMENTS / perToken)
  if (request.tokens > limit) {
    throw new InvalidArgumentError({ parameter: 'tokens', value: request.tokens, allowed: `at most ${limit} here (${usesLogits ? 'tokens × experts logits' : 'tokens × top-k ids'} must stay ≤ 2^28 elements)` })
  }
  const hiddenStates: ShapedInput = { shape: [request.tokens, 1] }
  const logits: Tensor | ShapedInput = usesLogits ? syntheticLogits(request.tokens, request.experts, request.seed) : { shape: [request.tokens, request.experts] }
  let result: RoutingResult
  let ranOn = 'reference'
  let lastRun: RouteLayerResult['lastRun']
  if (backend && strategy.routeTokensOn) {
    result = await strategy.routeTokensOn(backend, hiddenStates, logits, request.topK, 'int32')
    ranOn = backend.mode
    lastRun = lastRunOf(backend)
  } else {
    result = strategy.routeTokens(hiddenStates, logits, request.topK, 'int32')
  }
  const ids = result[1].data as Int32Array
  const weights = Float32Array.from(result[0].data as ArrayLike<number>)
  const counts = expertCounts(ids, request.experts)
  const outcome: RouteLayerResult = {
    strategy: definition.name,
    parameters,
    usesLogits,
    ids,
    weights,
    counts,
    summary: loadSummary(counts),
    duplicateIdRate: duplicateIdRate(ids, request.topK),
    tokensWithDuplicates: countTokensWithDuplicateIds(ids, request.topK),
    ranOn,
    ...(lastRun ? { lastRun } : {}),
  }
  if (request.epSize === undefined) return outcome
  const loads = rankLoads(counts, request.epSize, 'linear')
  return { ...outcome, ranks: { epSize: request.epSize, loads, balancedness: balancedness(loads) } }
}

/** FNV-1a over the bytes of an int32 array, as 8 hex digits: equal digests ⇔ (almost surely) equal routing. */
export function int32Digest(values: Int32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

/**
 * A `[rows, experts]` picture of which experts sampled tokens went to (cell = routing weight, or 1 where
 * a strategy gives none): every token when T ≤ maxRows, else maxRows evenly spaced tokens.
 */
export function tokenExpertHeatmap(ids: Int32Array, weights: Float32Array, tokens: number, topK: number, experts: number, maxRows = 512): { rows: number; tokenIndex: Int32Array; data: Float32Array } {
  const rows = Math.min(tokens, maxRows)
  const data = new Float32Array(rows * experts)
  const tokenIndex = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    const t = rows === tokens ? r : Math.floor((r * tokens) / rows)
    tokenIndex[r] = t
    for (let j = 0; j < topK; j++) {
      const e = ids[t * topK + j]!
      const w = weights[t * topK + j]!
      if (e >= 0 && e < experts) data[r * experts + e]! += Number.isFinite(w) && w > 0 ? w : 1
    }
  }
  return { rows, tokenIndex, data }
}
