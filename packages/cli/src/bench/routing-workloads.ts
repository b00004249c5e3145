import type { BenchShape, WorkloadName } from './workloads.ts'

/** The workloads that are one `routeTokens` call of a registered strategy. */
export type RoutingWorkload = Extract<WorkloadName, 'uniform_random' | 'uniform_distinct' | 'normal_routing' | 'softmax_topk' | 'grouped_topk'>

export interface RoutingWorkloadSpec {
  /** Registered strategy name. */
  readonly strategy: string
  /** Strategy parameters (validated by the strategy's definition). */
  readonly params: (shape: BenchShape, bias: () => Float32Array) => Record<string, unknown>
  /** Whether the strategy reads the logits' values (else only their shape is passed). */
  readonly usesLogits: boolean
  /** Distinct ids per row are promised. */
  readonly distinct: boolean
  /** Rows come ordered by non-increasing weight (true when selection is on the weights themselves, no bias). */
  readonly descendingWeights: boolean
  /** Expected weights: all ones, or rows summing to `sum`. */
  readonly weights: { kind: 'ones' } | { kind: 'rowSum'; sum: (shape: BenchShape) => number }
}

/**
 * WORKLOADS.md's routing workloads as strategies of the simulator: the seed's `uniform_random`
 * (i.i.d. draws = `replacement: true`), the k-distinct uniform default, `normal_routing`, vLLM's
 * fused softmax top-k with renormalisation, and DeepSeek-V3 grouped top-k.
 */
export const ROUTING_WORKLOADS: Readonly<Record<RoutingWorkload, RoutingWorkloadSpec>> = {
  uniform_random: {
    descendingWeights: false,
    strategy: 'uniform_random',
    params: () => ({ replacement: true }),
    usesLogits: false,
    distinct: false,
    weights: { kind: 'ones' },
  },
  uniform_distinct: {
    descendingWeights: false,
    strategy: 'uniform_random',
    params: () => ({}),
    usesLogits: false,
    distinct: true,
    weights: { kind: 'ones' },
  },
  normal_routing: {
    descendingWeights: false,
    strategy: 'normal_routing',
    params: () => ({}),
    usesLogits: false,
    distinct: false,
    weights: { kind: 'rowSum', sum: () => 1 },
  },
  softmax_topk: {
    descendingWeights: true,
    strategy: 'softmax_topk',
    params: () => ({ renormalize: true }),
    usesLogits: true,
    distinct: true,
    weights: { kind: 'rowSum', sum: () => 1 },
  },
  grouped_topk: {
    descendingWeights: false,
    strategy: 'grouped_topk',
    params: (shape, bias) => ({
      numExpertGroup: shape.numGroups,
      topkGroup: shape.topkGroup,
      scoring: 'sigmoid',
      correctionBias: Array.from(bias()),
      renormalize: true,
      routedScalingFactor: shape.scalingFactor,
    }),
    usesLogits: true,
    distinct: true,
    weights: { kind: 'rowSum', sum: (shape) => shape.scalingFactor },
  },
}

export function isRoutingWorkload(name: WorkloadName): name is RoutingWorkload {
  return Object.hasOwn(ROUTING_WORKLOADS, name)
}
