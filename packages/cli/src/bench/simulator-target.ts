import { expertCounts } from '@routesim/analysis'
import type { KernelBackend, RoutingResult, ShapedInput, Tensor } from '@routesim/core'
import type { GpuBackend } from '@routesim/gpu'
import type { WasmBackend } from '@routesim/wasm'
import { createSimulator } from '@routesim/simulator'
import { openBackend } from '../backend.ts'
import { ROUTING_WORKLOADS, isRoutingWorkload, type RoutingWorkload } from './routing-workloads.ts'
import type { BenchTarget, PreparedRun, WorkloadContext } from './target.ts'
import { checkCounts, checkDescending, checkIds, checkWeights } from './verify.ts'
import { residentOf, residentRuns } from './resident-runs.ts'
import { prepareSimulateZipf } from './simulate-zipf.ts'

type Prepared = { runs: PreparedRun[]; skipped?: string }

/**
 * A note on the last call when the backend handed it to the reference kernel, so a row is never timed
 * under a backend's name without saying so (gpu.js and wasm backends report `lastRun`).
 */
function handoffNote(backend: KernelBackend | undefined): (() => string | undefined) | undefined {
  if (backend === undefined) return undefined
  return () => {
    const last = (backend as Partial<GpuBackend> | Partial<WasmBackend>).lastRun
    return last?.ranOn === 'reference' ? `the ${backend.mode} backend handed this call to the reference backend (${last.reason})` : undefined
  }
}

/**
 * A `--backend` value as the rest of the CLI means it: `reference` runs the strategies' own
 * TypeScript paths (no kernel backend); a gpu.js mode runs each strategy's `routeTokensOn(backend)`,
 * and a strategy without one is reported as skipped rather than timed on the CPU under the gpu name.
 */
export async function openSimulatorTarget(name: string): Promise<BenchTarget> {
  const opened = await openBackend(name)
  const backend = opened.backend
  const ranOn = backend?.mode ?? 'reference'
  const impl = `routesim-${ranOn}`
  return {
    name,
    description:
      backend === undefined
        ? `${impl}: the simulator's strategies on their TypeScript paths (no kernel backend)`
        : `${impl}: kernel backend ${backend.name} (asked for '${name}', running '${backend.mode}'${opened.detail ? `: ${opened.detail}` : ''})`,
    async prepare(context: WorkloadContext): Promise<Prepared> {
      const main = isRoutingWorkload(context.workload)
        ? prepareRouting(context, context.workload, impl, backend)
        : context.workload === 'histogram'
          ? prepareHistogram(context, impl, backend)
          : prepareSimulateZipf(context, impl, backend)
      const resident = residentOf(backend)
      const extra = resident === undefined ? [] : await residentRuns(context, resident, ranOn)
      return main.skipped === undefined ? { runs: [...main.runs, ...extra] } : { runs: [...main.runs, ...extra], skipped: main.skipped }
    },
    dispose: () => opened.dispose(),
  }
}

function prepareRouting(context: WorkloadContext, workload: RoutingWorkload, impl: string, backend: KernelBackend | undefined): Prepared {
  const { shape, tokens, inputs } = context
  const spec = ROUTING_WORKLOADS[workload]
  const simulator = createSimulator({ seed: context.seed })
  const strategy = simulator.createStrategy(spec.strategy, spec.params(shape, () => inputs.bias()))
  const hiddenStates: ShapedInput = { shape: [tokens, 1] }
  const logits: Tensor | ShapedInput = spec.usesLogits
    ? { data: inputs.logits(tokens), shape: [tokens, shape.experts] }
    : { shape: [tokens, shape.experts] }
  const k = shape.topK
  let run: () => unknown
  if (backend === undefined) {
    run = () => strategy.routeTokens(hiddenStates, logits, k, 'int32')
  } else if (strategy.routeTokensOn !== undefined) {
    const on = strategy.routeTokensOn.bind(strategy)
    run = () => on(backend, hiddenStates, logits, k, 'int32')
  } else {
    return { runs: [], skipped: `strategy '${spec.strategy}' has no kernel-backend path (routeTokensOn)` }
  }
  const verify = routingVerifier(workload, shape, tokens)
  const ranOn = handoffNote(backend)
  return { runs: [ranOn === undefined ? { impl, tokens, run, verify } : { impl, tokens, run, verify, ranOn }] }
}

/** Checks one routing workload's outputs (ids in range and distinct where promised, weights, order). */
export function routingVerifier(workload: RoutingWorkload, shape: WorkloadContext['shape'], tokens: number): (output: unknown) => void {
  const spec = ROUTING_WORKLOADS[workload]
  const k = shape.topK
  return (output) => {
    const [weights, ids] = output as RoutingResult
    checkIds(workload, ids.data as Int32Array, tokens, k, shape.experts, { distinct: spec.distinct })
    const rule = spec.weights
    checkWeights(
      workload,
      weights.data,
      tokens,
      k,
      rule.kind === 'ones' ? rule : { kind: 'rowSum', sum: rule.sum(shape), tolerance: 1e-4 * rule.sum(shape) },
    )
    if (spec.descendingWeights) checkDescending(workload, weights.data, tokens, k)
  }
}

function prepareHistogram(context: WorkloadContext, impl: string, backend: KernelBackend | undefined): Prepared {
  const { shape, tokens } = context
  const ids = context.inputs.histogramIds(tokens)
  const run = backend === undefined ? () => expertCounts(ids, shape.experts) : () => backend.histogram(ids, shape.experts)
  const verify = (output: unknown): void => checkCounts('histogram', output as Int32Array, shape.experts, tokens * shape.topK)
  const ranOn = handoffNote(backend)
  return { runs: [ranOn === undefined ? { impl, tokens, run, verify } : { impl, tokens, run, verify, ranOn }] }
}
