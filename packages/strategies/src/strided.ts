import type { Seed } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

class StridedStrategy extends SyntheticStrategy {
  constructor(seed: Seed | undefined, weightOptions: WeightOptions) {
    super('strided', seed, weightOptions)
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng } = call
    const step = Math.max(Math.floor(E / k), 1)
    for (let t = 0; t < T; t++) {
      const offset = prng.nextInt(E)
      for (let j = 0; j < k; j++) ids[t * k + j] = (offset + j * step) % E
    }
  }
}

export const stridedDefinition = defineSynthetic({
  name: 'strided',
  description: 'SGLang uniform experts: a random offset per token, then k ids spaced ⌊E/k⌋ apart (distinct, each expert equally likely)',
  parameters: { ...weightParameters('mean') },
  source: 'SGLang PR #25571 (SGLANG_SIMULATE_UNIFORM_EXPERTS, topk.py)',
  formula: 'offset_t ~ U{0..E−1}; step = max(⌊E/k⌋, 1); id[t, j] = (offset_t + j·step) mod E',
  build: (p, seed) => new StridedStrategy(seed, readWeightOptions(p)),
})

export const createStridedStrategy = factoryOf(stridedDefinition)
