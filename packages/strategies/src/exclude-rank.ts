import { InvalidArgumentError } from '@routesim/core'
import type { Seed } from '@routesim/core'
import { sampleDistinctSubsets } from '@routesim/distributions'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { expertsPerRank } from './ep-layout.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

class ExcludeRankStrategy extends SyntheticStrategy {
  constructor(
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly epSize: number,
    private readonly excludedRank: number,
  ) {
    super('exclude_rank', seed, weightOptions)
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng } = call
    const epr = expertsPerRank(this.name, E, this.epSize, { divides: true })
    if (this.excludedRank >= this.epSize) {
      throw new InvalidArgumentError({
        parameter: 'exclude_rank.excludedRank',
        value: this.excludedRank,
        allowed: `an integer in [0, ${this.epSize - 1}] (a rank of epSize ${this.epSize})`,
      })
    }
    if (k > E - epr) {
      throw new InvalidArgumentError({ parameter: 'topK', value: k, allowed: `an integer in [1, ${E - epr}] (experts outside the excluded rank)` })
    }
    sampleDistinctSubsets(ids, T, E - epr, k, prng)
    const cut = this.excludedRank * epr
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= cut) ids[i] = ids[i]! + epr
  }
}

export const excludeRankDefinition = defineSynthetic({
  name: 'exclude_rank',
  description: 'Uniform over every expert except those of one EP rank (that rank receives no tokens)',
  parameters: {
    epSize: { type: 'integer', min: 2, default: 2, description: 'EP size (must divide E); linear placement' },
    excludedRank: { type: 'integer', min: 0, default: 1, description: 'the rank whose experts get no tokens' },
    ...weightParameters('ones'),
  },
  source: 'neuralmagic/vllm fork routing_simulator (ExcludeRankRouting, excluded_rank=1)',
  formula: 'raw = k distinct uniform draws from {0..E−epr−1}; id = raw if raw < r·epr else raw + epr (epr = E/ep); the fork drew raw i.i.d.',
  build: (p, seed) => new ExcludeRankStrategy(seed, readWeightOptions(p), p.epSize, p.excludedRank),
})

export const createExcludeRankStrategy = factoryOf(excludeRankDefinition)
