import { InvalidArgumentError, createPrng, parameterValidator } from '@routesim/core'
import { expertCounts, rankLoads } from '@routesim/analysis'
import { createWasmBackend } from '@routesim/wasm'
import { describe, expect, it, vi } from 'vitest'
import { routeAndMeasure, syntheticLogits } from './route-and-measure.ts'
import { createSimulator } from './simulator.ts'

const layer = { tokens: 5000, experts: 64, topK: 4, seed: 7 }

describe('routeAndMeasure: the one route-and-measure path', () => {
  it('routes what simulator.route routes on the same logits, and measures it with @routesim/analysis', async () => {
    const m = await routeAndMeasure(createSimulator({ seed: 7 }), { strategy: 'softmax_topk', params: {}, ...layer, epSize: 8, placement: 'round_robin' })
    const simulator = createSimulator({ seed: 7 })
    const strategy = simulator.createStrategy('softmax_topk', {})
    const routed = await simulator.route({
      strategy,
      hiddenStates: { shape: [layer.tokens, 1] },
      routerLogits: syntheticLogits(layer.tokens, layer.experts, layer.seed),
      topK: layer.topK,
      indicesType: 'int32',
      prng: 'strategy',
    })
    expect(Array.from(m.ids)).toEqual(Array.from(routed.ids.data as Int32Array))
    expect(Array.from(m.weights)).toEqual(Array.from(routed.weights.data))
    expect(Array.from(m.counts)).toEqual(Array.from(expertCounts(m.ids, layer.experts)))
    expect(m.counts.reduce((a, b) => a + b, 0)).toBe(layer.tokens * layer.topK)
    expect(m.ranks?.placement).toBe('round_robin')
    expect(Array.from(m.ranks!.loads)).toEqual(Array.from(rankLoads(m.counts, 8, 'round_robin')))
    expect(m.parameters).toEqual({ renormalize: true })
    expect(m.usesLogits).toBe(true)
    expect(m.ranOn).toBe('reference')
  })

  it('the logits are N(0, 1) on the stream (seed, routesim-cli, logits), whether or not progress is reported', async () => {
    const prng = createPrng(3, 'routesim-cli', 'logits')
    const logits = syntheticLogits(3, 5, 3)
    expect(Array.from(logits.data)).toEqual(Array.from(Float32Array.from({ length: 15 }, () => prng.nextNormal())))
    const events: string[] = []
    const hooks = {
      logits: async (done: number, total: number) => void events.push(`logits ${done}/${total}`),
      routing: () => void events.push('routing'),
      measuring: () => void events.push('measuring'),
    }
    const request = { strategy: 'grouped_topk', params: { numExpertGroup: 8, topkGroup: 2 }, ...layer }
    const reported = await routeAndMeasure(createSimulator({ seed: 7 }), request, hooks)
    const quiet = await routeAndMeasure(createSimulator({ seed: 7 }), request)
    expect(events).toEqual(['logits 4096/5000', 'logits 5000/5000', 'routing', 'measuring'])
    expect(Array.from(reported.ids)).toEqual(Array.from(quiet.ids))
  })

  it('gives the same ids on the wasm backend as on the reference, and says where the last kernel ran', async () => {
    const wasm = await createWasmBackend()
    try {
      const request = { strategy: 'softmax_topk', params: {}, ...layer }
      const reference = await routeAndMeasure(createSimulator({ seed: 7 }), request)
      const onWasm = await routeAndMeasure(createSimulator({ seed: 7 }), { ...request, backend: wasm })
      expect(Array.from(onWasm.ids)).toEqual(Array.from(reference.ids))
      expect(onWasm.ranOn).toBe('wasm-simd')
      expect(onWasm.lastRun).toEqual({ operation: 'topK', ranOn: 'kernel', reason: 'WebAssembly SIMD' })
    } finally {
      wasm.dispose()
    }
  })

  it('checks the parameters once, and refuses a layer too big for one run with a typed error naming tokens', async () => {
    const simulator = createSimulator({ seed: 1 })
    const check = vi.spyOn(parameterValidator(simulator.describeStrategy('zipf').parameters), 'check')
    await routeAndMeasure(simulator, { strategy: 'zipf', params: { exponent: 1.2 }, tokens: 64, experts: 16, topK: 2, seed: 1 })
    expect(check).toHaveBeenCalledTimes(1)
    const tooBig = routeAndMeasure(simulator, { strategy: 'softmax_topk', params: {}, tokens: 2 ** 22, experts: 128, topK: 2, seed: 1 })
    await expect(tooBig).rejects.toThrow(InvalidArgumentError)
    await expect(tooBig).rejects.toMatchObject({ parameter: 'tokens', value: 2 ** 22 })
    await expect(routeAndMeasure(simulator, { strategy: 'zipf', params: { exponent: -1 }, tokens: 8, experts: 8, topK: 2, seed: 1 })).rejects.toThrow(
      /zipf\.exponent/,
    )
  })

  it('answers hostile arguments with typed errors naming them', async () => {
    const simulator = createSimulator()
    const ok = { strategy: 'zipf', params: {}, tokens: 8, experts: 8, topK: 2, seed: 1 }
    await expect(routeAndMeasure(null as never, ok)).rejects.toMatchObject({ code: 'invalid_argument', parameter: 'simulator' })
    await expect(routeAndMeasure(simulator, 'x' as never)).rejects.toMatchObject({ code: 'invalid_argument', parameter: 'request' })
    await expect(routeAndMeasure(simulator, ok, null as never)).rejects.toMatchObject({ code: 'invalid_argument', parameter: 'hooks' })
    await expect(routeAndMeasure(simulator, { ...ok, tokens: -1 })).rejects.toMatchObject({ code: 'invalid_argument', parameter: 'tokens' })
    await expect(routeAndMeasure(simulator, { ...ok, experts: 1.5 })).rejects.toMatchObject({ code: 'invalid_argument', parameter: 'experts' })
    await expect(routeAndMeasure(simulator, { ...ok, topK: 2 ** 31 })).rejects.toMatchObject({ code: 'limit_exceeded', parameter: 'topK' })
    expect(() => syntheticLogits(2 ** 31, 4, 1)).toThrow(expect.objectContaining({ code: 'limit_exceeded', parameter: 'tokens' }))
    expect(() => syntheticLogits(4, -1, 1)).toThrow(expect.objectContaining({ code: 'invalid_argument', parameter: 'experts' }))
    expect(() => syntheticLogits(2 ** 22, 2 ** 20, 1)).toThrow(expect.objectContaining({ code: 'limit_exceeded' }))
  })
})
