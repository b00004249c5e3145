import { InvalidArgumentError, assertRoutingInputs, createPrng, defineStrategy, resolveIndexDtype, toIndexArray } from '@routesim/core'
import type { Prng, RoutingStrategy } from '@routesim/core'

const parameters = {
  epSize: { type: 'integer', min: 1, default: 8, description: 'Expert-parallel ranks R; E must be divisible by R.' },
  rank: { type: 'integer', min: 0, default: 0, description: 'The rank whose experts every token uses (linear placement).' },
} as const

/** Every token picks k distinct experts uniformly from the E/R experts of one EP rank; weights 1/k. */
export const rankLocal = defineStrategy<{ epSize: number; rank: number }>({
  name: 'rank_local',
  description: 'All tokens go to the experts of one EP rank (worst-case all-to-all); k distinct, uniform, weights 1/k.',
  parameters,
  formula: 'ids ~ k-subset of [r·E/R, (r+1)·E/R) uniformly; w = 1/k',
  usesLogits: false,
  create({ epSize, rank }, { seed = 0 }): RoutingStrategy {
    const own: Prng = createPrng(seed, 'rank_local')
    return {
      routeTokens(hiddenStates, routerLogits, topK, indicesType, context) {
        const dtype = resolveIndexDtype(indicesType)
        const { numTokens, numExperts, topK: k } = assertRoutingInputs(hiddenStates, routerLogits, topK, { distinct: true })
        if (numExperts % epSize !== 0) {
          throw new InvalidArgumentError({ parameter: 'rank_local.epSize', value: epSize, allowed: `a divisor of E = ${numExperts}` })
        }
        if (rank >= epSize) {
          throw new InvalidArgumentError({ parameter: 'rank_local.rank', value: rank, allowed: `an integer in [0, ${epSize - 1}]` })
        }
        const perRank = numExperts / epSize
        if (k > perRank) {
          throw new InvalidArgumentError({ parameter: 'topK', value: k, allowed: `at most ${perRank} (the experts of one rank)` })
        }
        const prng = context?.prng ?? own // the simulator's stream when lent, so one seed governs a run
        const ids = new Int32Array(numTokens * k)
        const pool = Int32Array.from({ length: perRank }, (_, i) => rank * perRank + i)
        for (let t = 0; t < numTokens; t++) {
          // Partial Fisher–Yates: the first k entries of the pool become a uniform k-subset.
          for (let i = 0; i < k; i++) {
            const j = i + prng.nextInt(perRank - i)
            const tmp = pool[i]!
            pool[i] = pool[j]!
            pool[j] = tmp
            ids[t * k + i] = pool[i]!
          }
        }
        const weights = new Float32Array(numTokens * k).fill(1 / k)
        return [
          { data: weights, shape: [numTokens, k] },
          { data: toIndexArray(ids, dtype), shape: [numTokens, k] },
        ]
      },
    }
  },
})
