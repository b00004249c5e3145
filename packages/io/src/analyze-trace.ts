import { InvalidArgumentError } from '@routesim/core'
import {
  balancedness,
  balancednessReport,
  countTokensWithDuplicateIds,
  createExpertMap,
  loadSummary,
  predictedRankLoads,
  rankLoads,
  rebalanceExperts,
  type LoadSummary,
  type Placement,
} from '@routesim/analysis'
import { layerCounts, type Trace } from './trace.ts'

export interface AnalyzeOptions {
  /** EP ranks for balancedness (mean/max rank load); must divide the experts. Left out: no rank metrics, no EPLB. */
  readonly epSize?: number
  /** Redundant experts for the EPLB plan (default: one per rank); 0 plans a placement only. */
  readonly redundantExperts?: number
  /** How experts sit on ranks without EPLB (default linear, as `routesim route`). */
  readonly placement?: Placement
}

/** Balancedness of per-layer rank loads, aggregated as `routesim simulate` reports it. */
export interface BalancednessVariants {
  /** Mean over layers of mean/max rank load (vLLM). */
  readonly perLayerMean: number
  /** Σ mean / Σ max over layers (vLLM's original, token-weighted). */
  readonly tokenWeighted: number
  /** Mean over layers of (mean + 1e-5)/(max + 1e-5) (SGLang). */
  readonly sglang: number
  /** The worst layer. */
  readonly min: number
}

export interface LayerAnalysis {
  readonly layer: number
  readonly counts: Float64Array
  readonly summary: LoadSummary
  /** Fraction of tokens naming an expert twice (ids traces only). */
  readonly duplicateIdRate?: number
  /** Per-rank loads and mean/max balancedness under a linear placement, when `epSize` was given. */
  readonly ranks?: { readonly loads: Float64Array; readonly balancedness: number }
  /** DeepSeek EPLB on this layer's counts: the balancedness its placement would give. */
  readonly eplb?: { readonly balancedness: number; readonly rankLoads: Float64Array }
}

export interface TraceAnalysis {
  readonly kind: Trace['kind']
  readonly steps: number
  readonly layers: number
  readonly numExperts: number
  readonly tokens?: number
  readonly topK?: number
  readonly perLayer: readonly LayerAnalysis[]
  /** The model's layer index of each trace layer, when the file skipped some. */
  readonly layerIds?: readonly number[]
  /** Every layer and step added up. */
  readonly total: { readonly counts: Float64Array; readonly summary: LoadSummary }
  /** Means over layers of the per-layer balancedness, before and after EPLB, and every aggregation of each. */
  readonly balancedness?: {
    readonly static: number
    readonly eplb?: number
    readonly epSize: number
    readonly redundantExperts: number
    readonly placement: Placement
    readonly variants: { readonly static: BalancednessVariants; readonly eplb: BalancednessVariants }
  }
  readonly assumptions: readonly string[]
}

/**
 * The metric suite of `routesim route`, per layer and in total, for a recorded trace; with an EP size,
 * also per-rank balancedness (every aggregation `routesim simulate` reports) and what DeepSeek's EPLB
 * (global policy, `redundantExperts` replicas) would make of each layer's counts.
 *
 * @example
 * const analysis = analyzeTrace(readTrace(bytes, 'trace.npz'), { epSize: 8 })
 * analysis.perLayer[0].summary.maxOverMean; analysis.balancedness.eplb
 */
export function analyzeTrace(trace: Trace, options: AnalyzeOptions = {}): TraceAnalysis {
  const rows = layerCounts(trace)
  if (rows.length === 0) throw new InvalidArgumentError({ parameter: 'trace', value: `${trace.layers} layers`, allowed: 'a trace with at least one layer' })
  const E = trace.numExperts
  const { epSize } = options
  const placement = options.placement ?? 'linear'
  const redundant = options.redundantExperts ?? epSize ?? 0
  if (epSize !== undefined && (!Number.isInteger(epSize) || epSize < 1 || E % epSize !== 0)) {
    throw new InvalidArgumentError({ parameter: 'epSize', value: epSize, allowed: `a positive divisor of the ${E} experts` })
  }
  if (epSize !== undefined && (!Number.isInteger(redundant) || redundant < 0 || (E + redundant) % epSize !== 0)) {
    throw new InvalidArgumentError({
      parameter: 'redundantExperts',
      value: redundant,
      allowed: `an integer ≥ 0 with experts + redundantExperts a multiple of epSize = ${epSize}`,
    })
  }
  const plan =
    epSize !== undefined ? rebalanceExperts(rows, { numReplicas: E + redundant, numGroups: 1, numNodes: 1, numGpus: epSize, policy: 'global' }) : undefined
  const perLayer = rows.map((counts, layer): LayerAnalysis => {
    let duplicateIdRate: number | undefined
    if (trace.kind === 'ids') {
      const n = trace.tokens * trace.topK
      let dup = 0
      for (let s = 0; s < trace.steps; s++) {
        const b = s * trace.layers + layer
        dup += countTokensWithDuplicateIds(trace.ids.subarray(b * n, (b + 1) * n), trace.topK)
      }
      duplicateIdRate = trace.tokens === 0 ? 0 : dup / (trace.tokens * trace.steps)
    }
    const out: LayerAnalysis = { layer, counts, summary: loadSummary(counts), ...(duplicateIdRate !== undefined ? { duplicateIdRate } : {}) }
    if (epSize === undefined || !plan) return out
    const loads = rankLoads(counts, epSize, placement)
    const slots = E + redundant
    const row = plan.physicalToLogical.data.subarray(layer * slots, (layer + 1) * slots)
    const eplbLoads = predictedRankLoads(counts, createExpertMap(row, { numLogical: E, epSize }))
    return { ...out, ranks: { loads, balancedness: balancedness(loads) }, eplb: { balancedness: balancedness(eplbLoads), rankLoads: eplbLoads } }
  })
  const total = new Float64Array(E)
  for (const row of rows) for (let e = 0; e < E; e++) total[e]! += row[e]!
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
  const variants = (rowsOf: Float64Array[]): BalancednessVariants => {
    const r = balancednessReport(rowsOf)
    return { perLayerMean: r.perLayerMean, tokenWeighted: r.tokenWeighted, sglang: r.sglang, min: r.min }
  }
  return {
    kind: trace.kind,
    steps: trace.steps,
    layers: trace.layers,
    numExperts: E,
    ...(trace.kind === 'ids' ? { tokens: trace.tokens, topK: trace.topK } : {}),
    perLayer,
    ...(trace.layerIds ? { layerIds: trace.layerIds } : {}),
    total: { counts: total, summary: loadSummary(total) },
    ...(epSize !== undefined
      ? {
          balancedness: {
            static: mean(perLayer.map((l) => l.ranks!.balancedness)),
            eplb: mean(perLayer.map((l) => l.eplb!.balancedness)),
            epSize,
            redundantExperts: redundant,
            placement,
            variants: { static: variants(perLayer.map((l) => l.ranks!.loads)), eplb: variants(perLayer.map((l) => l.eplb!.rankLoads)) },
          },
        }
      : {}),
    assumptions: trace.assumptions,
  }
}
