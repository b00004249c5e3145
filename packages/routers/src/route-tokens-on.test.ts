import { describe, expect, it } from 'vitest'
import { InvalidLogitsError, resolveParameters } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { KernelBackend } from '@routesim/core'
import { createRandomLogits, createRecordingBackend } from '@routesim/testing'
import { routerDefinitions } from './router-definitions.ts'

describe('routeTokensOn runs the selection on the given backend', () => {
  const T = 50
  const E = 64
  const logits = { data: createRandomLogits(8, T, E, 2), shape: [T, E] }
  const variants: [string, Record<string, unknown>][] = [
    ['softmax_topk', {}],
    ['sigmoid_topk', { correctionBias: Array.from({ length: E }, (_, j) => (j % 5) * 0.01) }],
    ['grouped_topk', { scoring: 'sigmoid', correctionBias: Array.from({ length: E }, (_, j) => (j % 3) * 0.01), routedScalingFactor: 2.5 }],
    ['grouped_topk', { variant: 'hf', scoring: 'sigmoid' }],
    ['grouped_topk', { variant: 'megatron' }],
    ['llama4_topk', {}],
  ]
  it.each(variants)('%s %o: one backend.topK call, same result as routeTokens', async (name, parameters) => {
    const definition = routerDefinitions.find((d) => d.name === name)!
    const strategy = definition.create(resolveParameters(name, definition.parameters, parameters), { seed: 0 })
    const backend = createRecordingBackend()
    const [weights, ids] = await strategy.routeTokensOn!(backend, { shape: [T, 4] }, logits, 8, 'uint32')
    expect(backend.calls.map((c) => c.kernel)).toEqual(['topK'])
    expect(backend.calls[0]).toMatchObject({ rows: T, cols: E, options: { k: 8 } })
    const [syncWeights, syncIds] = strategy.routeTokens({ shape: [T, 4] }, logits, 8, 'uint32')
    expect(ids.data).toEqual(syncIds.data)
    expect(weights.data).toEqual(syncWeights.data)
  })

  it('asks the backend for the DeepSeek-V3 grouping when grouped_topk has a bias', async () => {
    const definition = routerDefinitions.find((d) => d.name === 'grouped_topk')!
    const strategy = definition.create(
      resolveParameters('grouped_topk', definition.parameters, { scoring: 'sigmoid', correctionBias: new Array(E).fill(0) }),
      {},
    )
    const backend = createRecordingBackend()
    await strategy.routeTokensOn!(backend, { shape: [T, 4] }, logits, 8)
    const call = backend.calls[0]!
    expect(call).toMatchObject({ kernel: 'topK', options: { scoring: 'sigmoid', grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' } } })
    expect(call.kernel === 'topK' && call.options.bias).toBeInstanceOf(Float32Array)
  })

  it("derives weights from the backend's winnerLogits when it hands them over (no gather from the whole input)", async () => {
    const definition = routerDefinitions.find((d) => d.name === 'softmax_topk')!
    const strategy = definition.create(resolveParameters('softmax_topk', definition.parameters, {}), {})
    const reference = createReferenceBackend()
    const zeroed: KernelBackend = {
      ...reference,
      topK: (...args) => ({ ...reference.topK(...args), winnerLogits: new Float32Array(T * 8) }),
    }
    const [weights] = await strategy.routeTokensOn!(zeroed, { shape: [T, 4] }, logits, 8)
    // Equal winner logits renormalise to equal weights: proof the handed-over values were used.
    expect(Array.from(weights.data as Float32Array).every((w) => Math.abs(w - 1 / 8) < 1e-7)).toBe(true)
  })

  describe('non-finite logits', () => {
    const definition = routerDefinitions.find((d) => d.name === 'softmax_topk')!
    const strategy = definition.create(resolveParameters('softmax_topk', definition.parameters, {}), {})
    const bad = Float32Array.from(createRandomLogits(3, T, E, 2))
    bad[7 * E + 11] = Number.NaN
    const badLogits = { data: bad, shape: [T, E] }
    const capture = async (backend: KernelBackend): Promise<unknown> =>
      strategy.routeTokensOn!(backend, { shape: [T, 4] }, badLogits, 8).then(
        () => undefined,
        (error: unknown) => error,
      )

    it('a backend that checks finiteness itself gets the logits unscanned, and its error names routerLogits', async () => {
      const reference = createReferenceBackend()
      let calls = 0
      const checking: KernelBackend = { ...reference, topK: (...args) => (calls++, reference.topK(...args)) }
      const error = await capture(checking)
      expect(calls).toBe(1) // no scan threw before the kernel ran
      expect(InvalidLogitsError.isInstance(error)).toBe(true)
      expect(error).toMatchObject({ row: 7, column: 11 })
      expect((error as Error).message).toContain('routerLogits')
    })

    it('a backend that does not check is never handed non-finite logits', async () => {
      const backend = createRecordingBackend()
      const error = await capture(backend)
      expect(InvalidLogitsError.isInstance(error)).toBe(true)
      expect(backend.calls).toEqual([])
    })
  })
})
