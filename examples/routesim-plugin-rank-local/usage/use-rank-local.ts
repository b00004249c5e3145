import { DuplicateStrategyError } from '@routesim/core'
import { expertCounts, rankLoads, balancedness } from '@routesim/analysis'
import { createSimulator } from '@routesim/simulator'
import { rankLocal } from 'routesim-plugin-rank-local'

const simulator = createSimulator({ seed: 1 })
simulator.registerStrategy(rankLocal.name, rankLocal)
console.log(simulator.describeStrategy('Rank_Local').description.startsWith('All tokens go')) // → true

// Parameters are validated by the definition; the instance is seeded with the simulator's seed.
const strategy = simulator.createStrategy('rank_local', { epSize: 8, rank: 2 })
const [weights, ids] = strategy.routeTokens({ shape: [1024, 1] }, { shape: [1024, 256] }, 8)
const experts = ids.data as Int32Array // int32 is the default dtype
console.log(weights.data[0], Math.min(...experts), Math.max(...experts)) // → 0.125 64 95
console.log(balancedness(rankLoads(expertCounts(experts, 256), 8))) // → 0.125

// A second registration under the same name is an error unless { replace: true }.
try {
  simulator.registerStrategy('rank_local', rankLocal)
} catch (error) {
  console.log(DuplicateStrategyError.isInstance(error)) // → true
}
simulator.registerStrategy('rank_local', rankLocal, { replace: true })
