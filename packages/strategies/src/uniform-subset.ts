import { InvalidArgumentError } from '@routesim/core'
import type { Seed } from '@routesim/core'
import { sampleDistinctSubsets } from '@routesim/distributions'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

class UniformSubsetStrategy extends SyntheticStrategy {
  constructor(
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly subsetSize: number | undefined,
  ) {
    super('uniform_subset', seed, weightOptions)
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng } = call
    const m = this.subsetSize ?? Math.max(k, Math.ceil(E / 2))
    if (m > E || m < k) {
      throw new InvalidArgumentError({
        parameter: 'uniform_subset.subsetSize',
        value: m,
        allowed: `an integer in [${k}, ${E}] (at least topK, at most the number of experts)`,
      })
    }
    sampleDistinctSubsets(ids, T, m, k, prng)
  }
}

export const uniformSubsetDefinition = defineSynthetic({
  name: 'uniform_subset',
  description: 'Uniform over a subset: k distinct ids drawn uniformly from experts [0, subsetSize); the others stay idle',
  parameters: {
    subsetSize: {
      type: 'integer',
      min: 1,
      optional: true,
      description: 'number of active experts m (k ≤ m ≤ E); default max(k, ⌈E/2⌉)',
    },
    ...weightParameters('ones'),
  },
  source: 'askliar/vllm fork routing_simulator (uniform_subset, VLLM_MOE_ROUTING_SIMULATION_SUBSET_SIZE)',
  formula: 'ids = k distinct uniform draws from {0..m−1} (every k-subset equally likely)',
  build: (p, seed) => new UniformSubsetStrategy(seed, readWeightOptions(p), p.subsetSize),
})

export const createUniformSubsetStrategy = factoryOf(uniformSubsetDefinition)
