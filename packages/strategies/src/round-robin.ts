import type { Seed } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { expertsPerRank } from './ep-layout.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

class RoundRobinStrategy extends SyntheticStrategy {
  constructor(
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly epSize: number,
    private readonly offset: number,
  ) {
    super('round_robin', seed, weightOptions)
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k } = call
    const ep = this.epSize
    const epr = expertsPerRank(this.name, E, ep, { divides: true })
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < k; j++) {
        const a = (this.offset + t) * k + j
        ids[t * k + j] = (a % ep) * epr + (Math.floor(a / ep) % epr)
      }
    }
  }
}

export const roundRobinDefinition = defineSynthetic({
  name: 'round_robin',
  description: 'SGLang round-robin: slot ordinals dealt to EP ranks in turn, so every rank gets an equal share of slots',
  parameters: {
    epSize: { type: 'integer', min: 1, default: 1, description: 'EP ranks to deal over (must divide E); 1 = plain (t·k + j) mod E' },
    offset: { type: 'integer', min: 0, default: 0, description: 'global index of the first token (DP rank offset)' },
    ...weightParameters('mean'),
  },
  source: 'SGLang PR #37741 (SGLANG_SIMULATE_ROUND_ROBIN_EXPERTS, rank-aware fix)',
  formula: 'a = (offset + t)·k + j; rank = a mod ep; id = rank·(E/ep) + ⌊a/ep⌋ mod (E/ep)',
  build: (p, seed) => new RoundRobinStrategy(seed, readWeightOptions(p), p.epSize, p.offset),
})

export const createRoundRobinStrategy = factoryOf(roundRobinDefinition)
