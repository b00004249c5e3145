import { InvalidArgumentError, LIMITS, createPrng, indexArrayToInt32, resolveParameters } from '@routesim/core'
import type { KernelBackend, Seed, ShapedInput, Tensor } from '@routesim/core'
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

/** T·k ids and, for routers, T·E logits held at once: the CLI's limit (`LIMITS.maxElements`), so a URL the CLI refuses is refused here too. */
export const MAX_ROUTE_ELEMENTS = LIMITS.maxElements

/**
 * The CLI's synthetic router logits: N(0, 1) from the run's seed on the stream `('routesim-cli', 'logits')`,
 * so the same URL and `routesim route` flags route the same logits.
 */
export function syntheticLogits(tokens: number, experts: number, seed: Seed, onProgress?: (fraction: number) => void): Tensor<Float32Array> {
  const prng = createPrng(seed, 'routesim-cli', 'logits')
  const data = new Float32Array(tokens * experts)
  // Drawn in chunks only to report progress; the values are one sequential stream either way.
  const chunk = Math.max(1 << 16, Math.ceil(data.length / 50))
  for (let start = 0; start < data.length; start += chunk) {
    const end = Math.min(data.length, start + chunk)
    for (let i = start; i < end; i++) data[i] = prng.nextNormal()
    onProgress?.(end / data.length)
  }
  return { data, shape: [tokens, experts] }
}

/** Where a routing is: its phases in order, and how far into the current one (0–1). */
export type RoutePhase = 'logits' | 'routing' | 'metrics'
export type RouteProgress = (phase: RoutePhase, fraction: number) => void

/**
 * Routes one layer with the same library calls, in the same order, as `routesim route`
 * (a simulator seeded with the run's seed, the strategy created through it, the CLI's logits, `simulator.route`),
 * so the ids are byte-identical to the CLI's for the same arguments (test/route-equivalence.test.ts).
 */
export async function routeLayer(request: RouteRequest, backend?: KernelBackend, onProgress?: RouteProgress): Promise<RouteLayerResult> {
  const simulator = createSimulator({ seed: request.seed })
  const definition = simulator.describeStrategy(request.strategy)
  const parameters = resolveParameters(definition.name, definition.parameters, request.params)
  const strategy = simulator.createStrategy(definition.name, parameters)
  const usesLogits = definition.usesLogits === true
  const perToken = Math.max(request.topK, usesLogits ? request.experts : 0)
  const limit = Math.floor(MAX_ROUTE_ELEMENTS / perToken)
  if (request.tokens > limit) {
    throw new InvalidArgumentError({
      parameter: 'tokens',
      value: request.tokens,
      allowed: `at most ${limit} here (${usesLogits ? 'tokens × experts logits' : 'tokens × top-k ids'} must stay ≤ 2^28 elements)`,
    })
  }
  const hiddenStates: ShapedInput = { shape: [request.tokens, 1] }
  const logits: Tensor | ShapedInput = usesLogits
    ? syntheticLogits(request.tokens, request.experts, request.seed, onProgress && ((f) => onProgress('logits', f)))
    : { shape: [request.tokens, request.experts] }
  onProgress?.('routing', 0)
  // The library's one routing path (as `routesim route`): the strategy's backend path on the backend, else its own code.
  const routed = await simulator.route({ strategy, hiddenStates, routerLogits: logits, topK: request.topK, indicesType: 'int32', backend, prng: 'strategy' })
  const ranOn = routed.ranOn
  const lastRun = routed.lastRun ? { operation: routed.lastRun.operation, ranOn: routed.lastRun.ranOn, reason: routed.lastRun.reason } : undefined
  onProgress?.('metrics', 0)
  const ids = indexArrayToInt32(routed.ids.data)
  const weights = routed.weights.data
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
export function tokenExpertHeatmap(
  ids: Int32Array,
  weights: Float32Array,
  tokens: number,
  topK: number,
  experts: number,
  maxRows = 512,
): { rows: number; tokenIndex: Int32Array; data: Float32Array } {
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
