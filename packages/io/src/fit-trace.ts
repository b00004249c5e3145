import { InvalidArgumentError } from '@routesim/core'
import { balancedness, expertCounts, loadSummary, rankLoads } from '@routesim/analysis'
import { MODEL_PRESETS } from '@routesim/scenarios'
import { createSimulator } from '@routesim/simulator'
import { layerCounts, type Trace } from './trace.ts'

/** The families `fitTrace` fits, with the parameter it solves for and that parameter's search range. */
export const FIT_FAMILIES = {
  zipf: { parameter: 'exponent', min: 0, max: 4, search: true },
  lognormal: { parameter: 'sigma', min: 0, max: 4, search: true },
  power_law: { parameter: 'alpha', min: 0.05, max: 8, search: true },
  target_balancedness: { parameter: 'target', min: 0, max: 1, search: false },
  target_gini: { parameter: 'target', min: 0, max: 1, search: false },
} as const
export type FitFamily = keyof typeof FIT_FAMILIES

export interface FitOptions {
  readonly family?: FitFamily
  /** EP ranks for balancedness (default 8 when it divides the experts, else 1). */
  readonly epSize?: number
  /** Counts traces record no top-k: the k to fit with (default 8). */
  readonly topK?: number
  /** Seed of the fit's simulations (common random numbers across candidate parameters). */
  readonly seed?: number
  /**
   * At most this many tokens per simulated layer (default 65536): a trace summed over many passes is
   * fitted with fewer tokens than it holds, and the result says so.
   */
  readonly maxTokens?: number
}

export const DEFAULT_FIT_MAX_TOKENS = 1 << 16

export interface SkewMetrics {
  readonly maxOverMean: number
  readonly gini: number
  readonly balancedness: number
}

export interface LayerFit {
  readonly layer: number
  /** The parameter fitted to this layer alone. */
  readonly value: number
  readonly trace: SkewMetrics
  /** The fitted strategy's routing of the same tokens. */
  readonly fitted: SkewMetrics
  /** Relative errors fitted / trace − 1. */
  readonly error: SkewMetrics
}

export interface FitResult {
  readonly family: FitFamily
  readonly parameter: string
  /** One value for every layer: fitted to the mean over layers. */
  readonly value: number
  readonly perLayer: readonly LayerFit[]
  readonly epSize: number
  readonly tokens: number
  readonly topK: number
  readonly numExperts: number
  /** `{ name, params }` for a simulator, with the pooled value. */
  readonly strategy: { readonly name: string; readonly params: Record<string, unknown> }
  /** A scenario file (per-layer strategies) when a model preset has these experts and top-k. */
  readonly scenario?: Record<string, unknown>
  readonly assumptions: readonly string[]
}

function metrics(counts: ArrayLike<number>, epSize: number): SkewMetrics {
  const s = loadSummary(counts)
  return { maxOverMean: s.maxOverMean, gini: s.gini, balancedness: balancedness(rankLoads(counts, epSize)) }
}

/** Sorted (hottest first) loads placed on the trace's experts in the trace's own order of heat. */
function onTraceOrder(simulated: ArrayLike<number>, traceRow: Float64Array): Float64Array {
  const order = Array.from(traceRow.keys()).sort((a, b) => traceRow[b]! - traceRow[a]! || a - b)
  const sorted = Float64Array.from(simulated).sort().reverse()
  const out = new Float64Array(traceRow.length)
  order.forEach((e, r) => {
    out[e] = sorted[r]!
  })
  return out
}

const relative = (a: number, b: number): number => (b === 0 ? (a === 0 ? 0 : Infinity) : a / b - 1)

/**
 * Fits a strategy family to a trace's per-layer counts. Popularity families (zipf, lognormal,
 * power_law) are solved by bisection on the Gini coefficient of simulated routing with the trace's
 * tokens, experts and top-k (the same seed for every candidate, so the objective is smooth);
 * target families take the measured metric as their target. The fit table compares max/mean, Gini
 * and balancedness per layer; balancedness is taken with the fitted loads on the trace's experts in
 * the trace's order of heat, since where hot experts sit is the layout, not the family.
 *
 * @example
 * const fit = fitTrace(readTrace(bytes, 'trace.npz'), { family: 'zipf' })
 * fit.strategy // { name: 'zipf', params: { exponent: 1.19 } }
 */
export function fitTrace(trace: Trace, options: FitOptions = {}): FitResult {
  const family = options.family ?? 'zipf'
  const spec = FIT_FAMILIES[family]
  if (spec === undefined) throw new InvalidArgumentError({ parameter: 'family', value: family, allowed: Object.keys(FIT_FAMILIES).join(', ') })
  const E = trace.numExperts
  const assumptions = [...trace.assumptions]
  const epSize = options.epSize ?? (E % 8 === 0 ? 8 : 1)
  if (!Number.isInteger(epSize) || epSize < 1 || E % epSize !== 0)
    throw new InvalidArgumentError({ parameter: 'epSize', value: epSize, allowed: `a positive divisor of the ${E} experts` })
  const rows = layerCounts(trace)
  if (rows.length === 0) throw new InvalidArgumentError({ parameter: 'trace', value: `${trace.layers} layers`, allowed: 'a trace with at least one layer' })
  let topK: number
  if (trace.kind === 'ids') topK = trace.topK
  else {
    topK = options.topK ?? 8
    if (options.topK === undefined) assumptions.push('top-k = 8 (counts traces do not record it; pass topK)')
  }
  if (!Number.isInteger(topK) || topK < 1 || topK > E) throw new InvalidArgumentError({ parameter: 'topK', value: topK, allowed: `an integer in [1, ${E}]` })
  const total = rows[0]!.reduce((a, b) => a + b, 0)
  const maxTokens = options.maxTokens ?? DEFAULT_FIT_MAX_TOKENS
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new InvalidArgumentError({ parameter: 'maxTokens', value: maxTokens, allowed: 'an integer ≥ 1' })
  let tokens = Math.round(total / topK)
  if (tokens > maxTokens) {
    assumptions.push(`fitted with ${maxTokens} tokens per layer (the trace holds ${tokens}; pass maxTokens to use more)`)
    tokens = maxTokens
  }
  if (tokens < 1) throw new InvalidArgumentError({ parameter: 'trace', value: `${total} routed slots`, allowed: 'a trace with at least one token per layer' })
  const seed = options.seed ?? 1
  const traceMetrics = rows.map((row) => metrics(row, epSize))

  const simulate = (value: number, layers: number): Int32Array[] => {
    const simulator = createSimulator({ seed })
    const params: Record<string, unknown> = { [spec.parameter]: value }
    if (family === 'target_balancedness') params['epSize'] = epSize
    const strategy = simulator.createStrategy(family, params)
    return Array.from({ length: layers }, (_, layer) => {
      const [, ids] = strategy.routeTokens({ shape: [tokens, 1] }, { shape: [tokens, E] }, topK, 'int32', { layer })
      return expertCounts(ids.data as Int32Array, E)
    })
  }
  const meanGini = (counts: readonly ArrayLike<number>[]): number => counts.reduce((a, c) => a + loadSummary(c).gini, 0) / counts.length
  const solve = (targetGini: number, layers: number): number => {
    let lo: number = spec.min
    let hi: number = spec.max
    for (let i = 0; i < 40 && hi - lo > 1e-4; i++) {
      const mid = (lo + hi) / 2
      if (meanGini(simulate(mid, layers)) < targetGini) lo = mid
      else hi = mid
    }
    return (lo + hi) / 2
  }
  const direct = (m: SkewMetrics): number => Math.min(spec.max, Math.max(1e-6, family === 'target_gini' ? m.gini : m.balancedness))

  const perLayerValues = spec.search ? traceMetrics.map((m) => solve(m.gini, 1)) : traceMetrics.map(direct)
  const pooledLayers = Math.max(rows.length, 8)
  const value = spec.search
    ? solve(traceMetrics.reduce((a, m) => a + m.gini, 0) / traceMetrics.length, pooledLayers)
    : perLayerValues.reduce((a, b) => a + b, 0) / perLayerValues.length

  const perLayer = rows.map((row, layer): LayerFit => {
    const simulated = simulate(perLayerValues[layer]!, 1)[0]!
    const fitted = metrics(onTraceOrder(simulated, row), epSize)
    const t = traceMetrics[layer]!
    return {
      layer,
      value: perLayerValues[layer]!,
      trace: t,
      fitted,
      error: {
        maxOverMean: relative(fitted.maxOverMean, t.maxOverMean),
        gini: relative(fitted.gini, t.gini),
        balancedness: relative(fitted.balancedness, t.balancedness),
      },
    }
  })
  const extra: Record<string, unknown> = family === 'target_balancedness' ? { epSize } : {}
  const round = (v: number): number => Number(v.toPrecision(6))
  const strategy = { name: family, params: { [spec.parameter]: round(value), ...extra } }
  const preset = MODEL_PRESETS.find((p) => p.routing.numExperts === E && p.routing.topK === topK && p.moeLayerIndices.length >= rows.length)
  const scenario = preset
    ? {
        name: `fit-${family}`,
        seed,
        preset: preset.name,
        layers: rows.length,
        tokensPerStep: tokens,
        steps: 1,
        strategy,
        layerStrategies: perLayer.map((l) => ({ layers: String(l.layer), name: family, params: { [spec.parameter]: round(l.value), ...extra } })),
        parallel: { epSize },
      }
    : undefined
  if (!preset) assumptions.push(`no model preset has ${E} experts, top-${topK} and ${rows.length} MoE layers: no scenario file`)
  return { family, parameter: spec.parameter, value, perLayer, epSize, tokens, topK, numExperts: E, strategy, ...(scenario ? { scenario } : {}), assumptions }
}
