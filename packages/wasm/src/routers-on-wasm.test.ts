import { describe, expect, it } from 'vitest'
import { createPrng, resolveParameters } from '@routesim/core'
import { routerDefinitions } from '@routesim/routers'
import { createWasmBackend } from './create-wasm-backend.ts'

// Every registered router, routed through this backend (`routeTokensOn`), must give exactly what its
// reference path (`routeTokens`) gives; the table also pins which variants the kernels cover.
const backend = await createWasmBackend()
const T = 700
const E = 256
const prng = createPrng(31, 'routers-on-wasm')
const logits = Float32Array.from({ length: T * E }, () => 2 * (prng.nextDouble() + prng.nextDouble() + prng.nextDouble() - 1.5))
const bias = Array.from({ length: E }, () => 0.1 * (prng.nextDouble() - 0.5))

const variants: [string, Record<string, unknown>, 'kernel' | 'reference'][] = [
  ['softmax_topk', {}, 'kernel'],
  ['softmax_topk', { renormalize: false }, 'kernel'],
  ['sigmoid_topk', {}, 'kernel'],
  ['sigmoid_topk', { correctionBias: bias, routedScalingFactor: 2.5 }, 'kernel'],
  ['llama4_topk', {}, 'kernel'],
  ['grouped_topk', { scoring: 'sigmoid', correctionBias: bias, routedScalingFactor: 2.5 }, 'kernel'],
  ['grouped_topk', { scoring: 'sigmoid' }, 'kernel'],
  ['grouped_topk', { variant: 'megatron', scoring: 'sigmoid', correctionBias: bias }, 'kernel'],
  ['grouped_topk', {}, 'reference'],
  ['grouped_topk', { variant: 'hf', scoring: 'sigmoid', correctionBias: bias }, 'reference'],
  ['grouped_topk', { variant: 'hf_v2' }, 'reference'],
]

describe('the routers on the wasm backend', () => {
  it.each(variants)('%s %o: routeTokensOn equals routeTokens bit for bit (ran on the %s)', async (name, parameters, ranOn) => {
    const definition = routerDefinitions.find((d) => d.name === name)!
    const strategy = definition.create(resolveParameters(name, definition.parameters, parameters), {})
    const k = name === 'llama4_topk' ? 1 : 8
    const [weights, ids] = await strategy.routeTokensOn!(backend, { shape: [T, 16] }, { data: logits, shape: [T, E] }, k, 'int32')
    expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn })
    const [refWeights, refIds] = strategy.routeTokens({ shape: [T, 16] }, { data: logits, shape: [T, E] }, k, 'int32')
    expect(ids.data).toEqual(refIds.data)
    expect(weights.data).toEqual(refWeights.data)
  })
})
