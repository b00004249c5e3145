/** One benchmark result, in the schema of `shared/bench/WORKLOADS.md` (one JSON object per line). */
export interface BenchRecord {
  readonly impl: string
  readonly workload: string
  readonly tokens: number
  readonly experts: number
  readonly top_k: number
  readonly median_ms: number
  readonly tokens_per_s: number
  /** Timed repetitions behind the median (extra field; the schema's readers ignore it). */
  readonly reps: number
  /** camelCase copies of the schema's snake_case keys, like every other routesim JSON (extra fields). */
  readonly topK: number
  readonly medianMs: number
  readonly tokensPerS: number
  /** What the timed region covers when it differs from "full outputs in host memory" (extra field). */
  readonly timed?: string
  /** Threads the default path ran on (extra field). */
  readonly threads?: number
}

export function makeRecord(fields: {
  impl: string
  workload: string
  tokens: number
  experts: number
  topK: number
  medianMs: number
  reps: number
  timed?: string | undefined
  threads?: number | undefined
}): BenchRecord {
  const record: BenchRecord = {
    impl: fields.impl,
    workload: fields.workload,
    tokens: fields.tokens,
    experts: fields.experts,
    top_k: fields.topK,
    median_ms: Math.round(fields.medianMs * 1000) / 1000,
    tokens_per_s: Math.round(fields.tokens / (fields.medianMs / 1000)),
    reps: fields.reps,
    topK: fields.topK,
    medianMs: Math.round(fields.medianMs * 1000) / 1000,
    tokensPerS: Math.round(fields.tokens / (fields.medianMs / 1000)),
  }
  return {
    ...record,
    ...(fields.timed === undefined ? {} : { timed: fields.timed }),
    ...(fields.threads === undefined ? {} : { threads: fields.threads }),
  }
}

/** The record as one JSON line, keys in the schema's order. */
export function formatRecord(record: BenchRecord): string {
  return JSON.stringify(record)
}
