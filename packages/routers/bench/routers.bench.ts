import { bench, describe } from 'vitest'
import { createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { groupedTopK, sigmoidTopK, softmaxTopK } from '../src/index.ts'

// WORKLOADS.md sizes: T = 65,536 tokens, E = 256 experts, k = 8. Run: `npx vitest bench --run` in packages/routers.
const T = 65_536
const E = 256
const k = 8
const prng = createPrng(0, 'bench')
const data = Float32Array.from({ length: T * E }, () => prng.nextNormal())
const bias = Array.from({ length: E }, () => prng.nextNormal() * 0.05)
const logits = { data, shape: [T, E] }
const reference = createReferenceBackend()

describe(`routers, T=${T} E=${E} k=${k} (reference backend, one thread)`, () => {
  bench('softmax_topk (renormalize)', () => void softmaxTopK(logits, k))
  bench('softmax_topk (no renormalize: full softmax normalizer)', () => void softmaxTopK(logits, k, { renormalize: false }))
  bench('sigmoid_topk + bias × 2.5', () => void sigmoidTopK(logits, k, { correctionBias: bias, routedScalingFactor: 2.5 }))
  bench(
    'grouped_topk DeepSeek-V3 (sigmoid + bias, 8 groups top-2 sum, keep 4, × 2.5)',
    () => void groupedTopK(logits, k, { numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', correctionBias: bias, routedScalingFactor: 2.5 }),
  )
  bench('grouped_topk vllm softmax (group max)', () => void groupedTopK(logits, k, { numExpertGroup: 8, topkGroup: 4 }))
  bench('reference topK only (logits, no weights)', () => void reference.topK(data, T, E, { k, scoring: 'logits', needWeights: false }))
})
