/** Wall-clock timing for the benchmark: warm-up calls, then timed repetitions, summarised by the median. */

export interface TimingOptions {
  /** Untimed calls first (compile kernels, fault pages in, let the JIT settle). */
  readonly warmup: number
  /**
   * Keep warming up until this many milliseconds have passed as well (default 0): a JIT compiles a worker's hot code
   * only after it has run it many times, and a call spread over 16 threads runs each thread's code a few times only.
   */
  readonly warmupMs?: number
  /** Timed calls; the median of these is reported. */
  readonly reps: number
  /** Clock in milliseconds; injectable so the logic can be tested without timing anything. */
  readonly now?: () => number
}

export interface TimingResult {
  readonly medianMs: number
  readonly samplesMs: readonly number[]
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Times `fn` (sync or async): each timed call runs to completion, its promise awaited, before the clock
 * stops, so asynchronous backends are charged for their whole work including the read-back.
 * Returns the last call's result so the caller can check the outputs were real.
 */
export async function timeCalls<T>(fn: () => T | Promise<T>, options: TimingOptions): Promise<TimingResult & { readonly last: T }> {
  const now = options.now ?? (() => performance.now())
  let last!: T
  const warmupEnd = now() + (options.warmupMs ?? 0)
  for (let i = 0; i < options.warmup || now() < warmupEnd; i++) last = await fn()
  const samplesMs: number[] = []
  for (let i = 0; i < options.reps; i++) {
    const start = now()
    last = await fn()
    samplesMs.push(now() - start)
  }
  return { medianMs: median(samplesMs), samplesMs, last }
}
