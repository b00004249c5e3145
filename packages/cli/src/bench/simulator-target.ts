import type { KernelBackend, RoutingResult, ShapedInput, Tensor } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import type { RoutedBatch } from '@routesim/simulator'
import { openBackend } from '../backend.ts'
import { ROUTING_WORKLOADS, isRoutingWorkload, type RoutingWorkload } from './routing-workloads.ts'
import type { BenchTarget, PreparedRun, WorkloadContext } from './target.ts'
import { checkCounts, checkDescending, checkIds, checkWeights } from './verify.ts'
import { residentOf, residentRuns } from './resident-runs.ts'
import { prepareSimulateZipf } from './simulate-zipf.ts'

type Prepared = { runs: PreparedRun[]; skipped?: string }

/**
 * A note on the last call when the backend handed it to the reference kernel, so a row is never timed
 * under a backend's name without saying so (`KernelBackend.lastRun`; the reference has none to give).
 */
function handoffNote(backend: KernelBackend): (() => string | undefined) | undefined {
  if (backend.name === 'reference') return undefined
  return () => {
    const last = backend.lastRun
    return last?.ranOn === 'reference' ? `the ${backend.mode} backend handed this call to the reference backend (${last.reason})` : undefined
  }
}

/**
 * A `--backend` value opened by the library's registry; every routing run goes through
 * `simulator.route` on it. On a backend other than the reference, a strategy without a backend path
 * (`routeTokensOn`) is reported as skipped rather than timed on the CPU under that backend's name.
 */
export async function openSimulatorTarget(name: string): Promise<BenchTarget> {
  const opened = await openBackend(name)
  const backend = opened.backend
  const ranOn = backend.mode
  const impl = `routesim-${ranOn}`
  return {
    name,
    description: `${impl}: kernel backend ${backend.name} (asked for '${name}', running '${backend.mode}'${opened.detail ? `: ${opened.detail}` : ''})`,
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

function prepareRouting(context: WorkloadContext, workload: RoutingWorkload, impl: string, backend: KernelBackend): Prepared {
  const { shape, tokens, inputs } = context
  const spec = ROUTING_WORKLOADS[workload]
  const simulator = createSimulator({ seed: context.seed })
  const strategy = simulator.createStrategy(
    spec.strategy,
    spec.params(shape, () => inputs.bias()),
  )
  const hiddenStates: ShapedInput = { shape: [tokens, 1] }
  const logits: Tensor | ShapedInput = spec.usesLogits ? { data: inputs.logits(tokens), shape: [tokens, shape.experts] } : { shape: [tokens, shape.experts] }
  const k = shape.topK
  if (backend.name !== 'reference' && strategy.routeTokensOn === undefined) {
    return { runs: [], skipped: `strategy '${spec.strategy}' has no kernel-backend path (routeTokensOn)` }
  }
  const request = { strategy, hiddenStates, routerLogits: logits, topK: k, indicesType: 'int32', backend, prng: 'strategy' } as const
  const run = () => simulator.route(request)
  const verify = routingVerifier(workload, shape, tokens)
  const ranOn = handoffNote(backend)
  return { runs: [ranOn === undefined ? { impl, tokens, run, verify } : { impl, tokens, run, verify, ranOn }] }
}

/** Checks one routing workload's outputs (ids in range and distinct where promised, weights, order), as a routing result or a routed batch. */
export function routingVerifier(workload: RoutingWorkload, shape: WorkloadContext['shape'], tokens: number): (output: unknown) => void {
  const spec = ROUTING_WORKLOADS[workload]
  const k = shape.topK
  return (output) => {
    const [weights, ids] = Array.isArray(output) ? (output as RoutingResult) : [(output as RoutedBatch).weights, (output as RoutedBatch).ids]
    checkIds(workload, ids.data as Int32Array, tokens, k, shape.experts, { distinct: spec.distinct })
    const rule = spec.weights
    checkWeights(workload, weights.data, tokens, k, rule.kind === 'ones' ? rule : { kind: 'rowSum', sum: rule.sum(shape), tolerance: 1e-4 * rule.sum(shape) })
    if (spec.descendingWeights) checkDescending(workload, weights.data, tokens, k)
  }
}

function prepareHistogram(context: WorkloadContext, impl: string, backend: KernelBackend): Prepared {
  const { shape, tokens } = context
  const ids = context.inputs.histogramIds(tokens)
  const run = () => backend.histogram(ids, shape.experts)
  const verify = (output: unknown): void => checkCounts('histogram', output as Int32Array, shape.experts, tokens * shape.topK)
  const ranOn = handoffNote(backend)
  return { runs: [ranOn === undefined ? { impl, tokens, run, verify } : { impl, tokens, run, verify, ranOn }] }
}
