import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import type { WeightFinish } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { groupedTopKPlanner, llama4TopKPlanner, sigmoidTopKPlanner, softmaxTopKPlanner } from '@routesim/routers'
import type { RouterPlanner } from '@routesim/routers'
import { compareTopK, createRandomLogits, createTiedLogits } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'
import { createNodeWebGpu } from './node-webgpu.ts'
import { routerPassSource } from './router-pass.ts'
import { dispatchFor } from './webgpu-device.ts'

// Runs where a WebGPU adapter exists (CI: SwiftShader, see conformance-webgpu.test.ts for the policy).
const backend = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu(), referenceHandoff: false }).catch((error: unknown) => {
  if (process.env.ROUTESIM_REQUIRE_WEBGPU === '1') throw error
  console.warn(`Skipping device router tests: ${error instanceof Error ? error.message : String(error)}`)
  return undefined
})
const reference = createReferenceBackend()

/** Weights within 1e-6 relative (the conformance tolerance), with an absolute floor for weights near 0. */
function weightProblems(actual: Float32Array, expected: Float32Array, scale: number): string[] {
  const problems: string[] = []
  for (let i = 0; i < expected.length && problems.length < 5; i++) {
    const a = actual[i]!
    const e = expected[i]!
    if (!(Math.abs(a - e) <= 1e-6 * Math.abs(e) + 1e-12 * scale)) problems.push(`weight ${i}: ${a}, reference ${e}`)
  }
  return problems
}

const bias = (seed: number, E: number) => Array.from(createRandomLogits(seed, 1, E, 0.05))

describe.skipIf(backend === undefined)('webgpu: routers finished on the device (ids and weights in one pass)', () => {
  // The describe body runs even when skipped (no WebGPU adapter): read the backend only where there is one.
  const resident = backend?.resident as NonNullable<NonNullable<typeof backend>['resident']>
  const E = 64
  const rows = 700
  // Rows of N(0, 1.5²) logits, a block of very negative rows (σ underflows in float32), and integer ties.
  const logits = new Float32Array(rows * E)
  logits.set(createRandomLogits(31, 500, E, 1.5))
  logits.set(
    createRandomLogits(32, 100, E, 1).map((x) => x - 120),
    500 * E,
  )
  logits.set(createTiedLogits(33, 100, E), 600 * E)

  const planners: [string, RouterPlanner][] = [
    ['softmax_topk renormalize', softmaxTopKPlanner({ renormalize: true })],
    ['softmax_topk', softmaxTopKPlanner({ renormalize: false })],
    ['sigmoid_topk + bias, renormalize ×2.5', sigmoidTopKPlanner({ renormalize: true, correctionBias: bias(1, E), routedScalingFactor: 2.5 })],
    ['sigmoid_topk', sigmoidTopKPlanner({ renormalize: false })],
    [
      'grouped_topk DeepSeek-V3 (vllm, sigmoid, bias, top-2 sums)',
      groupedTopKPlanner({ numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', correctionBias: bias(2, E), routedScalingFactor: 2.5 }),
    ],
    ['grouped_topk vllm softmax (group max)', groupedTopKPlanner({ numExpertGroup: 8, topkGroup: 3 })],
    ['grouped_topk vllm softmax, no renormalize', groupedTopKPlanner({ numExpertGroup: 4, topkGroup: 2, renormalize: false, routedScalingFactor: 3 })],
    [
      'grouped_topk hf (mask 0, ε = 1e-20)',
      groupedTopKPlanner({ variant: 'hf', numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', correctionBias: bias(3, E), routedScalingFactor: 2.5 }),
    ],
    ['grouped_topk hf softmax', groupedTopKPlanner({ variant: 'hf', numExpertGroup: 8, topkGroup: 2 })],
    ['grouped_topk megatron softmax', groupedTopKPlanner({ variant: 'megatron', numExpertGroup: 8, topkGroup: 4 })],
    [
      'grouped_topk megatron sigmoid + bias',
      groupedTopKPlanner({ variant: 'megatron', numExpertGroup: 4, topkGroup: 2, scoring: 'sigmoid', correctionBias: bias(4, E) }),
    ],
    ['llama4_topk', llama4TopKPlanner()],
  ]

  it('every router with a weight rule: ids as the reference (float32 ties aside), weights as the router computes them', async () => {
    expect(backend!.mode).toBe('webgpu')
    const onDevice = await resident.uploadLogits(logits, rows, E)
    // The upload ran in a gpu.js webgpu kernel (gpu.js falls back silently; the runner checks the class that ran).
    expect(backend!.lastRun?.kernel?.gpuJsMode ?? 'webgpu').toBe('webgpu')
    try {
      for (const [name, planner] of planners) {
        // Megatron scores groups by their top k // topkGroup, so k ≥ topkGroup there.
        for (const k of name.includes('megatron') ? [4, 8] : [1, 8]) {
          const plan = planner(E, k)
          expect(plan.weightFinish, name).toBeDefined()
          const finish = plan.weightFinish!
          const candidate = await resident.route(onDevice, plan.topK, finish)
          const { problems } = compareTopK({
            logits,
            rows,
            cols: E,
            options: plan.topK,
            reference: reference.topK(logits, rows, E, plan.topK),
            candidate,
            idsAndWeightsOnly: true,
          })
          expect(problems, `${name}, k = ${k}: ids`).toEqual([])
          // The router's own host finish on the same selection is the reference for the weights.
          const expected = plan.finishWeights({ logits, rows, cols: E, k, ids: candidate.ids })
          expect(weightProblems(candidate.weights, expected, finish.scale), `${name}, k = ${k}: weights`).toEqual([])
        }
      }
    } finally {
      onDevice.dispose()
    }
  })

  it('DeepSeek-V3 shape (E = 256, k = 8, 8 groups, 2,048 rows), ids and weights as two views of one read-back', async () => {
    const cols = 256
    const n = 2048
    const x = createRandomLogits(41, n, cols, 1)
    const plan = groupedTopKPlanner({ numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', correctionBias: bias(5, cols), routedScalingFactor: 2.5 })(cols, 8)
    const onDevice = await resident.uploadLogits(x, n, cols)
    try {
      const out = await resident.route(onDevice, plan.topK, plan.weightFinish!)
      expect(out.ids.buffer).toBe(out.weights.buffer)
      const { problems } = compareTopK({
        logits: x,
        rows: n,
        cols,
        options: plan.topK,
        reference: reference.topK(x, n, cols, plan.topK),
        candidate: out,
        idsAndWeightsOnly: true,
      })
      expect(problems).toEqual([])
      expect(weightProblems(out.weights, plan.finishWeights({ logits: x, rows: n, cols, k: 8, ids: out.ids }), 2.5)).toEqual([])
      // Caller-owned outputs receive the same values.
      const own = { ids: new Int32Array(n * 8), weights: new Float32Array(n * 8) }
      const again = await resident.route(onDevice, plan.topK, plan.weightFinish!, own)
      expect(again.ids).toBe(own.ids)
      expect(Array.from(own.ids)).toEqual(Array.from(out.ids))
      expect(Array.from(own.weights)).toEqual(Array.from(out.weights))
    } finally {
      onDevice.dispose()
    }
  })

  it('rejects a bad weight rule, bad outputs and disposed logits with typed errors', async () => {
    const onDevice = await resident.uploadLogits(createRandomLogits(7, 8, 16, 1), 8, 16)
    const finish: WeightFinish = { score: 'softmax', normalize: true, epsilon: 0, scale: 1 }
    const bad: [unknown, unknown][] = [
      [{ ...finish, score: 'tanh' }, undefined],
      [{ ...finish, normalize: 1 }, undefined],
      [{ ...finish, epsilon: -1 }, undefined],
      [{ ...finish, scale: 0 }, undefined],
      [finish, { ids: new Int32Array(3), weights: new Float32Array(16) }],
      [finish, { ids: new Int32Array(16), weights: new Float64Array(16) }],
    ]
    for (const [f, out] of bad) {
      const error = await resident.route(onDevice, { k: 2, scoring: 'softmax' }, f as WeightFinish, out as never).catch((e: unknown) => e)
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(f)).toBe(true)
    }
    onDevice.dispose()
    const error = await resident.route(onDevice, { k: 2, scoring: 'softmax' }, finish).catch((e: unknown) => e)
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
  })
})

describe('router pass: generated WGSL and dispatch shape', () => {
  it('folds dispatches past 65,535 workgroups per dimension over y', () => {
    expect(dispatchFor(64 * 65_535, 64)).toEqual({ x: 65_535, y: 1, width: 64 * 65_535 })
    const big = dispatchFor(64 * 65_536, 64)
    expect(big.x).toBeLessThanOrEqual(65_535)
    expect(big.x * big.y * 64).toBeGreaterThanOrEqual(64 * 65_536)
    expect(big.width).toBe(big.x * 64)
  })

  it('computes a full-row softmax only when the weight rule needs one', () => {
    const base = { numExperts: 64, k: 8, scoring: 'softmax' as const, hasBias: false }
    const selected = routerPassSource({ ...base, finish: { score: 'softmax', normalize: true, epsilon: 0, scale: 1 } })
    const full = routerPassSource({ ...base, finish: { score: 'softmax', normalize: false, epsilon: 0, scale: 1 } })
    expect(selected).not.toContain('var sum')
    expect(full).toContain('var sum')
  })
})
