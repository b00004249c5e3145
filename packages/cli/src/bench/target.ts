import type { BenchInputs } from './inputs.ts'
import type { BenchShape, WorkloadName } from './workloads.ts'

/** What one workload needs to prepare its timed call. */
export interface WorkloadContext {
  readonly workload: WorkloadName
  readonly shape: BenchShape
  /** Tokens per call (per layer for simulate_zipf). */
  readonly tokens: number
  readonly seed: number
  readonly inputs: BenchInputs
}

/** One timed variant of a workload on a target. */
export interface PreparedRun {
  /** The record's `impl` (e.g. `routesim-webasm`, `routesim-webgpu-resident`). */
  readonly impl: string
  /** Tokens the record reports (token-layers for simulate_zipf). */
  readonly tokens: number
  /** The timed call: produces the full outputs (awaited when it returns a promise). */
  readonly run: () => unknown
  /** Checks the last call's outputs; throws on a wrong output. Runs outside the timed region. */
  readonly verify: (output: unknown) => void
  /** Stated in the record when the timed region differs from "full outputs in host memory". */
  readonly timed?: string
  /** Called after timing: a note on where the work actually ran (e.g. a gpu backend's hand-off to the reference). */
  readonly ranOn?: () => string | undefined
  /** Threads the run used (the default path), reported in the record. */
  readonly threads?: number
  /** Untimed clean-up after this variant (e.g. free device buffers). */
  readonly dispose?: () => void | Promise<void>
}

/**
 * A thing the benchmark can run workloads on: the simulator's built-in strategies, or a kernel backend.
 * `prepare` returns no runs when the target has no path for a workload (reported, not faked).
 */
export interface BenchTarget {
  /** The name given to `--backend`. */
  readonly name: string
  /** One line about what actually runs (e.g. the gpu.js mode and adapter), printed to stderr. */
  readonly description: string
  prepare(context: WorkloadContext): Promise<{ runs: PreparedRun[]; skipped?: string }>
  dispose(): void | Promise<void>
}
