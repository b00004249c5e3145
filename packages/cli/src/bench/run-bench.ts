import { RoutesimError } from '@routesim/core'
import { createBenchInputs } from './inputs.ts'
import { makeRecord, type BenchRecord } from './record.ts'
import type { BenchTarget } from './target.ts'
import { timeCalls } from './timing.ts'
import type { BenchShape, WorkloadName } from './workloads.ts'

export interface BenchPlan {
  /** `--backend` names, run in this order. */
  readonly targets: readonly string[]
  readonly workloads: readonly WorkloadName[]
  /** Tokens per call for each workload (per layer for simulate_zipf). */
  readonly tokens: Readonly<Record<WorkloadName, number>>
  readonly shape: BenchShape
  readonly reps: number
  readonly warmup: number
  /** Warm-up also lasts at least this long (ms). */
  readonly warmupMs?: number
  readonly seed: number
}

export interface BenchHooks {
  /** Opens a target by its `--backend` name. */
  open(name: string): Promise<BenchTarget>
  /** Called with each record as soon as it is measured. */
  record(record: BenchRecord): void
  /** Progress and skip notes (stderr). */
  note(line: string): void
}

export interface BenchFailure {
  readonly target: string
  readonly workload?: WorkloadName
  readonly error: unknown
}

/**
 * Runs every workload on every target: prepare (untimed: inputs, kernels, strategies), warm up,
 * time `reps` calls, check the last outputs, emit one record. A target that cannot open or a
 * workload that fails is reported and the run goes on; the failures are returned so the command
 * can exit non-zero.
 */
export async function runBench(plan: BenchPlan, hooks: BenchHooks): Promise<{ records: BenchRecord[]; failures: BenchFailure[] }> {
  const inputs = createBenchInputs(plan.shape, plan.seed)
  const records: BenchRecord[] = []
  const failures: BenchFailure[] = []
  for (const name of plan.targets) {
    let target: BenchTarget
    try {
      target = await hooks.open(name)
    } catch (error) {
      failures.push({ target: name, error })
      hooks.note(`bench: backend '${name}' is unavailable: ${messageOf(error)}`)
      continue
    }
    hooks.note(`bench: ${target.description}`)
    try {
      for (const workload of plan.workloads) {
        try {
          const prepared = await target.prepare({ workload, shape: plan.shape, tokens: plan.tokens[workload], seed: plan.seed, inputs })
          if (prepared.runs.length === 0 || prepared.skipped !== undefined) {
            hooks.note(`bench: ${name} ${workload}: skipped — ${prepared.skipped ?? 'no path for this workload'}`)
          }
          for (const run of prepared.runs) {
            try {
              const timing = await timeCalls(run.run, { warmup: plan.warmup, warmupMs: plan.warmupMs ?? 0, reps: plan.reps })
              run.verify(timing.last)
              const ranOn = run.ranOn?.()
              const timed = [run.timed, ranOn].filter((t) => t !== undefined).join('; ')
              const record = makeRecord({
                impl: run.impl,
                workload,
                tokens: run.tokens,
                experts: plan.shape.experts,
                topK: plan.shape.topK,
                medianMs: timing.medianMs,
                reps: plan.reps,
                timed: timed === '' ? undefined : timed,
                threads: run.threads,
              })
              records.push(record)
              hooks.record(record)
            } finally {
              await run.dispose?.()
            }
          }
        } catch (error) {
          failures.push({ target: name, workload, error })
          hooks.note(`bench: ${name} ${workload} failed: ${messageOf(error)}`)
        }
      }
    } finally {
      await target.dispose()
    }
  }
  return { records, failures }
}

function messageOf(error: unknown): string {
  if (RoutesimError.isInstance(error)) return error.message
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
