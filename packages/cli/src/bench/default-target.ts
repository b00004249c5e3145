import { balancedness, expertCountsOn, rankLoads } from '@routesim/analysis'
import { sharedView } from '@routesim/core'
import type { ShapedInput, Tensor } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import { ROUTING_WORKLOADS, isRoutingWorkload } from './routing-workloads.ts'
import type { RoutingWorkload } from './routing-workloads.ts'
import { ZIPF_STRATEGY, type SimulatedStep, verifySimulatedStep } from './simulate-zipf.ts'
import { routingVerifier } from './simulator-target.ts'
import type { BenchTarget, PreparedRun, WorkloadContext } from './target.ts'
import { checkCounts } from './verify.ts'

/** The target name of the default path; `default@N` runs it on N threads. */
export const DEFAULT_TARGET = 'default'

/**
 * The library's default path, as `RoutingSimulator.simulateRouting` takes it with no options: a simulator's
 * `simulateRouting` with its runner (every core unless `threads`/ROUTESIM_THREADS say otherwise, the wasm
 * kernels in every thread), and `expertCountsOn(simulator.runner, …)` for the histogram. Logits and histogram
 * ids are made before timing, in shared memory when the runner has threads (as a caller routing repeatedly
 * would keep them; torch's inputs are made before timing too).
 */
export function openDefaultTarget(threads?: number): BenchTarget {
  const probe = createSimulator(threads === undefined ? {} : { threads })
  const n = probe.runner.threads
  const kernels = probe.runner.backend?.mode ?? 'reference'
  const note = `default path: ${n} thread${n === 1 ? '' : 's'}${probe.runner.parallel ? '' : ' (calling thread only)'}, ${kernels} kernels`
  return {
    name: threads === undefined ? DEFAULT_TARGET : `${DEFAULT_TARGET}@${threads}`,
    description: `routesim-default: the simulator's default path (${note})`,
    async prepare(context: WorkloadContext) {
      const runs: PreparedRun[] = []
      const simulator = createSimulator({ seed: context.seed, ...(threads === undefined ? {} : { threads }) })
      const shared = simulator.runner.parallel
      // Threads start before timing, as torch's thread pool is up before it times.
      simulator.runner.start?.()
      if (isRoutingWorkload(context.workload)) {
        runs.push({ ...routingRun(context, context.workload, simulator, shared, note), threads: n })
      } else if (context.workload === 'histogram') {
        const { shape, tokens } = context
        const plain = context.inputs.histogramIds(tokens)
        const ids = shared ? sharedView(plain) : plain
        runs.push({
          impl: 'routesim-default',
          tokens,
          run: () => expertCountsOn(simulator.runner, ids, shape.experts),
          verify: (output) => checkCounts('histogram', output as Int32Array, shape.experts, tokens * shape.topK),
          timed: note,
          threads: n,
        })
      } else {
        runs.push({ ...zipfRun(context, simulator, note), threads: n })
      }
      return { runs }
    },
    dispose: () => {},
  }
}

function routingRun(
  context: WorkloadContext,
  workload: RoutingWorkload,
  simulator: ReturnType<typeof createSimulator>,
  shared: boolean,
  note: string,
): PreparedRun {
  const { shape, tokens, inputs } = context
  const spec = ROUTING_WORKLOADS[workload]
  simulator.registerStrategy(
    'bench',
    simulator.createStrategy(
      spec.strategy,
      spec.params(shape, () => inputs.bias()),
    ),
  )
  const hiddenStates: ShapedInput = { shape: [tokens, 1] }
  const data = spec.usesLogits ? inputs.logits(tokens) : undefined
  const logits: Tensor | ShapedInput =
    data === undefined ? { shape: [tokens, shape.experts] } : { data: shared ? sharedView(data) : data, shape: [tokens, shape.experts] }
  return {
    impl: 'routesim-default',
    tokens,
    run: () => simulator.simulateRouting(hiddenStates, logits, 'bench', shape.topK, 'int32'),
    verify: routingVerifier(workload, shape, tokens),
    timed: note,
  }
}

/**
 * simulate_zipf on the default path: `simulator.routeLayers` routes the 58 layers (one zipf instance and one
 * stream per layer, layers on the runner's threads) and counts them; rank loads and balancedness follow here.
 * The step's outputs are those of WORKLOADS.md and torch_baseline.py — counts and balancedness — so the layers'
 * ids are not kept (`keep: 'counts'`: each thread routes into its own reused scratch), only the last layer's.
 */
function zipfRun(context: WorkloadContext, simulator: ReturnType<typeof createSimulator>, note: string): PreparedRun {
  const { shape, tokens } = context
  const { experts, topK, layers, epSize } = shape
  const parameters = { exponent: shape.zipfExponent, layout: 'per_layer' }
  const run = (): SimulatedStep => {
    const out = simulator.routeLayers(ZIPF_STRATEGY, { tokens, experts, topK, layers, parameters, keep: 'counts' })
    const b = new Float64Array(layers)
    for (let l = 0; l < layers; l++) b[l] = balancedness(rankLoads(out.counts.subarray(l * experts, (l + 1) * experts), epSize, 'linear'))
    return { counts: out.counts, balancedness: b, lastIds: out.lastLayer.ids }
  }
  return {
    impl: 'routesim-default',
    tokens: tokens * layers,
    run,
    verify: verifySimulatedStep(context),
    timed: `${note}; layers in parallel (simulator.routeLayers, keep: 'counts')`,
  }
}
