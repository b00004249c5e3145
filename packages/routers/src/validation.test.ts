import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, InvalidLogitsError, ShapeMismatchError, resolveParameters } from '@routesim/core'
import { groupedTopK, groupedTopKDefinition } from './grouped-top-k.ts'
import { llama4TopK } from './llama4-top-k.ts'
import { routerDefinitions } from './router-definitions.ts'
import { sigmoidTopK } from './sigmoid-top-k.ts'
import { softmaxTopK } from './softmax-top-k.ts'

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

function expectInvalid(run: () => unknown, parameter: string, allowed?: RegExp) {
  const error = thrown(run)
  expect(InvalidArgumentError.isInstance(error), String(error)).toBe(true)
  expect((error as InvalidArgumentError).parameter).toBe(parameter)
  if (allowed) expect((error as InvalidArgumentError).allowed).toMatch(allowed)
}

const logits = (rows: number, cols: number) => ({ data: Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i)), shape: [rows, cols] })

describe('routers reject bad input with typed errors', () => {
  it.each([NaN, Infinity, -Infinity])('logit %s ⇒ InvalidLogitsError with row and expert, for every router', (bad) => {
    const input = logits(3, 8)
    input.data[2 * 8 + 5] = bad
    for (const route of [
      () => softmaxTopK(input, 2),
      () => sigmoidTopK(input, 2, { correctionBias: new Array(8).fill(0) }),
      () => groupedTopK(input, 2, { numExpertGroup: 4, topkGroup: 2 }),
      () => llama4TopK(input, 2),
    ]) {
      const error = thrown(route)
      expect(InvalidLogitsError.isInstance(error)).toBe(true)
      expect(error).toMatchObject({ row: 2, column: 5 })
      expect((error as Error).message).toMatch(/^Invalid routerLogits: row 2, expert 5/)
    }
  })

  it('a float64 logit beyond float32 range is caught after the cast (it would become Infinity)', () => {
    const data = new Float64Array(8)
    data[3] = 1e300
    expect(InvalidLogitsError.isInstance(thrown(() => softmaxTopK({ data, shape: [1, 8] }, 2)))).toBe(true)
  })

  it('k > E ⇒ InvalidArgumentError naming topK', () => {
    expectInvalid(() => softmaxTopK(logits(2, 4), 5), 'topK', /\[1, 4\]/)
    expectInvalid(() => llama4TopK(logits(2, 4), 0), 'topK')
  })

  it('wrong correction-bias length ⇒ InvalidArgumentError naming the parameter', () => {
    expectInvalid(() => sigmoidTopK(logits(2, 8), 2, { correctionBias: [0, 0, 0] }), 'sigmoid_topk.correctionBias', /8 finite numbers/)
    expectInvalid(() => groupedTopK(logits(2, 8), 2, { numExpertGroup: 4, topkGroup: 2, correctionBias: new Array(9).fill(0) }), 'grouped_topk.correctionBias')
  })

  it('a non-finite bias value ⇒ InvalidArgumentError', () => {
    expectInvalid(() => sigmoidTopK(logits(2, 4), 2, { correctionBias: [0, NaN, 0, 0] }), 'sigmoid_topk.correctionBias')
  })

  it('topkGroup > numExpertGroup ⇒ InvalidArgumentError, before any routing', () => {
    expectInvalid(() => groupedTopK(logits(2, 16), 2, { numExpertGroup: 4, topkGroup: 5 }), 'grouped_topk.topkGroup', /\[1, 4\]/)
  })

  it('a group count that does not divide E ⇒ InvalidArgumentError where the variant requires it; vllm falls back', () => {
    for (const variant of ['hf', 'hf_v2', 'megatron'] as const) {
      expectInvalid(() => groupedTopK(logits(2, 30), 4, { numExpertGroup: 8, topkGroup: 4, variant }), 'grouped_topk.numExpertGroup', /divisor of E = 30/)
    }
    // hf's top-2 group score needs groups of at least 2 experts.
    expectInvalid(() => groupedTopK(logits(2, 8), 2, { numExpertGroup: 8, topkGroup: 4, variant: 'hf' }), 'grouped_topk.numExpertGroup', /at least 2/)
    const fallback = groupedTopK(logits(2, 30), 4, { numExpertGroup: 8, topkGroup: 4 })
    expect(Array.from(fallback[1].data as Int32Array)).toEqual(Array.from(softmaxTopK(logits(2, 30), 4)[1].data as Int32Array))
  })

  it('k larger than the experts of the kept groups ⇒ InvalidArgumentError (−inf mask variants)', () => {
    expectInvalid(() => groupedTopK(logits(2, 16), 5, { numExpertGroup: 8, topkGroup: 2 }), 'topK', /topkGroup × E\/G = 2 × 2/)
    expectInvalid(() => groupedTopK(logits(2, 16), 5, { numExpertGroup: 8, topkGroup: 2, variant: 'megatron' }), 'topK')
    // HF's 0-mask makes masked experts eligible, as in the HF code.
    expect(groupedTopK(logits(2, 16), 5, { numExpertGroup: 8, topkGroup: 2, variant: 'hf' })[1].shape).toEqual([2, 5])
  })

  it('megatron needs k ≥ topkGroup (it scores groups by their top k // topkGroup) and always normalizes', () => {
    expectInvalid(() => groupedTopK(logits(2, 16), 2, { numExpertGroup: 4, topkGroup: 3, variant: 'megatron' }), 'topK', /topkGroup = 3/)
    expectInvalid(() => groupedTopK(logits(2, 16), 4, { variant: 'megatron', renormalize: false, numExpertGroup: 4, topkGroup: 2 }), 'grouped_topk.renormalize')
    expectInvalid(
      () => groupedTopK(logits(2, 16), 4, { variant: 'megatron', correctionBias: new Array(16).fill(0), numExpertGroup: 4, topkGroup: 2 }),
      'grouped_topk.correctionBias',
      /sigmoid/,
    )
    expectInvalid(
      () => groupedTopK(logits(2, 16), 4, { variant: 'hf_v2', correctionBias: new Array(16).fill(0), numExpertGroup: 4, topkGroup: 2 }),
      'grouped_topk.correctionBias',
    )
  })

  it('unknown or out-of-range parameters ⇒ InvalidArgumentError listing what is allowed', () => {
    expectInvalid(() => softmaxTopK(logits(1, 4), 2, { renormalise: true } as never), 'softmax_topk.renormalise', /renormalize/)
    expectInvalid(() => groupedTopK(logits(1, 16), 2, { variant: 'deepseek' as never }), 'grouped_topk.variant', /'vllm'/)
    expectInvalid(() => groupedTopK(logits(1, 16), 2, { numExpertGroup: 0 }), 'grouped_topk.numExpertGroup')
    expectInvalid(() => sigmoidTopK(logits(1, 4), 2, { routedScalingFactor: 0 }), 'sigmoid_topk.routedScalingFactor')
    expectInvalid(() => llama4TopK(logits(1, 4), 2, { indicesType: 'float16' as never }), 'indicesType')
    expectInvalid(() => resolveParameters('llama4_topk', routerDefinitions[3]!.parameters, { renormalize: true }), 'llama4_topk.renormalize')
  })

  it('shape mismatches ⇒ ShapeMismatchError', () => {
    expect(ShapeMismatchError.isInstance(thrown(() => softmaxTopK({ data: new Float32Array(7), shape: [2, 4] }, 2)))).toBe(true)
    expect(ShapeMismatchError.isInstance(thrown(() => softmaxTopK({ data: new Float32Array(8), shape: [8] }, 2)))).toBe(true)
    const strategy = groupedTopKDefinition.create(resolveParameters('grouped_topk', groupedTopKDefinition.parameters, {}) as never, {})
    expect(ShapeMismatchError.isInstance(thrown(() => strategy.routeTokens({ shape: [3, 4] }, logits(2, 64), 2)))).toBe(true)
  })

  it('logits that are not float typed arrays ⇒ InvalidArgumentError', () => {
    expectInvalid(() => softmaxTopK({ data: new Int32Array(8), shape: [2, 4] }, 2), 'routerLogits.data')
  })
})

describe('routerDefinitions', () => {
  it('lists the four routers in order, each documented', () => {
    expect(routerDefinitions.map((d) => d.name)).toEqual(['softmax_topk', 'sigmoid_topk', 'grouped_topk', 'llama4_topk'])
    for (const definition of routerDefinitions) {
      expect(definition.description.length).toBeGreaterThan(20)
      expect(definition.description).not.toMatch(/\n/)
      expect(definition.usesLogits).toBe(true)
      expect(definition.source).toBeTruthy()
      expect(definition.formula).toBeTruthy()
      for (const [name, spec] of Object.entries(definition.parameters)) {
        expect(spec.description.length, `${definition.name}.${name}`).toBeGreaterThan(10)
        expect(spec.default !== undefined || spec.optional, `${definition.name}.${name} has a default or is optional`).toBe(true)
      }
    }
  })

  it('creates strategies from defaults alone', () => {
    for (const definition of routerDefinitions) {
      const strategy = definition.create(resolveParameters(definition.name, definition.parameters, {}), { seed: 1 })
      const [weights, ids] = strategy.routeTokens({ shape: [4, 8] }, logits(4, 64), 8, 'int64')
      expect(weights.shape).toEqual([4, 8])
      expect(ids.data).toBeInstanceOf(BigInt64Array)
    }
  })
})
