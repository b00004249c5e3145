import { balancedness, rankLoads } from '@routesim/analysis'
import type { KernelBackend } from '@routesim/core'
import type { GpuBackend } from '@routesim/gpu'
import { groupedTopKPlanner, softmaxTopKPlanner } from '@routesim/routers'
import type { RouterPlanner } from '@routesim/routers'
import { PopularityStrategy } from '@routesim/strategies'
import { createSimulator } from '@routesim/simulator'
import { ROUTING_WORKLOADS } from './routing-workloads.ts'
import { ZIPF_STRATEGY, type SimulatedStep } from './simulate-zipf.ts'
import type { PreparedRun, WorkloadContext } from './target.ts'
import { checkBalancedness, checkCounts, checkDescending, checkIds, checkLength, checkWeights } from './verify.ts'

type Resident = NonNullable<GpuBackend['resident']>

/** The device-resident routing of a gpu.js webgpu backend, when this backend has one. */
export function residentOf(backend: KernelBackend | undefined): Resident | undefined {
  const resident = (backend as Partial<GpuBackend> | undefined)?.resident
  return resident ?? undefined
}

/**
 * Variants that keep the work on the device (webgpu): `routesim-webgpu-resident` draws the ids with
 * gpu.js, unpacks them with a WGSL pass and reads back int32 ids (full outputs, weights filled on the
 * host); `routesim-webgpu-counts` reads back only the per-expert counts (ids stay on the device, as
 * torch's CUDA tensors do). simulate_zipf's whole output is counts and balancedness, so its resident
 * run draws all 58 layers (per-layer zipf popularity from the `zipf` strategy) and counts them in one
 * device call, then computes rank loads and balancedness with `@routesim/analysis` on the host.
 * softmax_topk / grouped_topk upload the logits once (untimed, as torch's logits already sit on the
 * GPU) and run the whole router on the device (selection and the planner's `weightFinish`: renormalise,
 * ×2.5), reading back int32 ids and float32 weights in one copy.
 */
export async function residentRuns(context: WorkloadContext, resident: Resident, mode: string): Promise<PreparedRun[]> {
  const { shape, tokens, workload } = context
  const { experts: E, topK: k } = shape
  let seed = context.seed
  if (workload === 'uniform_random' || workload === 'uniform_distinct') {
    const kind = workload === 'uniform_random' ? 'uniform_iid' : 'uniform_distinct'
    const distinct = kind === 'uniform_distinct'
    return [
      {
        impl: `routesim-${mode}-resident`,
        tokens,
        timed: 'ids drawn and unpacked on the device, int32 ids [T,k] read back; all-ones weights filled on the host',
        run: async () => {
          const ids = await resident.sampleIds({ kind, rows: tokens, numExperts: E, k, seed: seed++ })
          return { ids, weights: new Float32Array(tokens * k).fill(1) }
        },
        verify: (output) => {
          const { ids, weights } = output as { ids: Int32Array; weights: Float32Array }
          checkIds(workload, ids, tokens, k, E, { distinct })
          checkWeights(workload, weights, tokens, k, { kind: 'ones' })
        },
      },
      {
        impl: `routesim-${mode}-counts`,
        tokens,
        timed: 'ids drawn and counted on the device; only the E per-expert counts are read back (ids stay on the device)',
        run: () => resident.sampleCounts({ kind, rows: tokens, numExperts: E, k, seed: seed++ }),
        verify: (output) => checkCounts(workload, output as Int32Array, E, tokens * k),
      },
    ]
  }
  if (workload === 'softmax_topk' || workload === 'grouped_topk') {
    const spec = ROUTING_WORKLOADS[workload]
    const planner: RouterPlanner =
      workload === 'softmax_topk'
        ? softmaxTopKPlanner(spec.params(shape, () => context.inputs.bias()))
        : groupedTopKPlanner(spec.params(shape, () => context.inputs.bias()))
    const plan = planner(E, k)
    const finish = plan.weightFinish
    if (finish === undefined) throw new TypeError(`${workload}: the router plan has no weightFinish to run on the device`)
    const logits = context.inputs.logits(tokens)
    const onDevice = await resident.uploadLogits(logits, tokens, E)
    const rule = spec.weights
    const sum = rule.kind === 'rowSum' ? rule.sum(shape) : 1
    const verify = (output: unknown) => {
      const { ids, weights } = output as { ids: Int32Array; weights: Float32Array }
      checkIds(workload, ids, tokens, k, E, { distinct: true })
      checkWeights(workload, weights, tokens, k, { kind: 'rowSum', sum, tolerance: 1e-4 * sum })
      if (spec.descendingWeights) checkDescending(workload, weights, tokens, k)
    }
    const owned = { ids: new Int32Array(tokens * k), weights: new Float32Array(tokens * k) }
    return [
      {
        impl: `routesim-${mode}-resident`,
        tokens,
        timed:
          'logits uploaded to the device once, untimed; selection and router weights (renormalize, scaling) on the device, int32 ids + float32 weights read back into fresh arrays',
        run: () => resident.route(onDevice, plan.topK, finish),
        verify,
      },
      {
        impl: `routesim-${mode}-resident-owned`,
        tokens,
        timed: 'as the resident run (selection and weights on the device), ids and weights read back into caller-owned arrays (the same two every call)',
        run: () => resident.route(onDevice, plan.topK, finish, owned),
        verify,
        dispose: () => onDevice.dispose(),
      },
    ]
  }
  if (workload === 'simulate_zipf') {
    const { layers, epSize } = shape
    const simulator = createSimulator({ seed: context.seed })
    return [
      {
        impl: `routesim-${mode}-resident`,
        tokens: tokens * layers,
        timed:
          'per-layer zipf popularity on the host, ids drawn and counted on the device for all layers in one call, counts [layers,E] read back; rank loads and balancedness on the host',
        run: async (): Promise<Omit<SimulatedStep, 'lastIds'>> => {
          const strategy = simulator.createStrategy(ZIPF_STRATEGY, { exponent: shape.zipfExponent, layout: 'per_layer' })
          if (!(strategy instanceof PopularityStrategy)) throw new TypeError(`'${ZIPF_STRATEGY}' is not a popularity strategy`)
          const weights = Array.from({ length: layers }, (_, layer) => strategy.popularity(E, tokens, k, layer))
          const counts = await resident.sampleCounts({ kind: 'categorical_distinct', rows: tokens, numExperts: E, k, layers, weights, seed: seed++ })
          const values = new Float64Array(layers)
          for (let layer = 0; layer < layers; layer++) {
            values[layer] = balancedness(rankLoads(counts.subarray(layer * E, (layer + 1) * E), epSize, 'linear'))
          }
          return { counts, balancedness: values }
        },
        verify: (output) => {
          const step = output as Omit<SimulatedStep, 'lastIds'>
          checkLength('simulate_zipf', 'counts', step.counts, layers * E)
          for (let layer = 0; layer < layers; layer++) {
            checkCounts('simulate_zipf', step.counts.subarray(layer * E, (layer + 1) * E), E, tokens * k)
          }
          checkBalancedness('simulate_zipf', step.balancedness, layers, epSize)
        },
      },
    ]
  }
  return []
}
