import { InvalidArgumentError } from '@routesim/core'

/** The workloads of `shared/bench/WORKLOADS.md`, in that file's order. */
export const WORKLOAD_NAMES = ['uniform_random', 'uniform_distinct', 'normal_routing', 'softmax_topk', 'grouped_topk', 'histogram', 'simulate_zipf'] as const

export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

/**
 * Default token counts (WORKLOADS.md). For `simulate_zipf` this is tokens per layer; the record's
 * `tokens` is token-layers (tokens × layers), as the PyTorch reference reports it.
 */
export const DEFAULT_TOKENS: Readonly<Record<WorkloadName, number>> = {
  uniform_random: 1 << 20,
  uniform_distinct: 1 << 20,
  normal_routing: 1 << 20,
  softmax_topk: 1 << 16,
  grouped_topk: 1 << 16,
  histogram: 1 << 20,
  simulate_zipf: 4096,
}

/** Fixed shape of the benchmark (WORKLOADS.md and torch_baseline.py). */
export interface BenchShape {
  readonly experts: number
  readonly topK: number
  /** simulate_zipf: DeepSeek-V3's 58 MoE layers, 32 expert-parallel ranks, zipf exponent 1. */
  readonly layers: number
  readonly epSize: number
  readonly zipfExponent: number
  /** grouped_topk: DeepSeek-V3 — 8 groups, 4 kept, ×2.5. */
  readonly numGroups: number
  readonly topkGroup: number
  readonly scalingFactor: number
}

export const DEFAULT_SHAPE: BenchShape = {
  experts: 256,
  topK: 8,
  layers: 58,
  epSize: 32,
  zipfExponent: 1,
  numGroups: 8,
  topkGroup: 4,
  scalingFactor: 2.5,
}

export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name)
}

/** Parses `a,b,c` into workload names (order kept, duplicates dropped); empty → all. */
export function parseWorkloadList(text: string | undefined): WorkloadName[] {
  const names = splitList(text)
  if (names.length === 0) return [...WORKLOAD_NAMES]
  for (const name of names) {
    if (!isWorkloadName(name)) {
      throw new InvalidArgumentError({ parameter: 'workloads', value: name, allowed: WORKLOAD_NAMES.join(', ') })
    }
  }
  return [...new Set(names)] as WorkloadName[]
}

/**
 * Parses `--tokens`: a bare positive integer applies to every workload (tokens per layer for
 * simulate_zipf); `name=N` pairs set single workloads; both may be mixed (`1024,histogram=4096`).
 */
export function parseTokenOverrides(text: string | undefined): Record<WorkloadName, number> {
  const tokens: Record<WorkloadName, number> = { ...DEFAULT_TOKENS }
  for (const item of splitList(text)) {
    const eq = item.indexOf('=')
    const name = eq < 0 ? undefined : item.slice(0, eq)
    const value = eq < 0 ? item : item.slice(eq + 1)
    if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError({ parameter: 'tokens', value: item, allowed: 'N or workload=N with N a positive integer' })
    }
    if (name === undefined) {
      for (const w of WORKLOAD_NAMES) tokens[w] = Number(value)
    } else if (isWorkloadName(name)) {
      tokens[name] = Number(value)
    } else {
      throw new InvalidArgumentError({ parameter: 'tokens', value: name, allowed: `N, or workload=N for ${WORKLOAD_NAMES.join(', ')}` })
    }
  }
  return tokens
}

export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}
