// simulate_zipf of shared/bench/WORKLOADS.md with the zipf strategy; prints median ms (not a test).
// For each of 58 layers: k = 8 distinct experts of E = 256 per token, Plackett–Luce over 1/rank^1.0 on a
// per-layer permutation; then per-expert counts, rank loads over 32 contiguous EP ranks, balancedness.
// The strategy is created inside the timed call, so permutations and alias tables are built there too.
// Run: node ../../scripts/run-ts-bench.mjs bench/zipf.bench.ts [tokens=4096] [reps=9] [workload]
import { balancedness, expertCounts, rankLoads } from '@routesim/analysis'
import { createPrng } from '@routesim/core'
import { createWeightedDistinctSampler, sampleDistinctSubsets } from '@routesim/distributions'
import { createZipfStrategy } from '../src/index.ts'

const tokens = Number(process.argv[2] ?? 4096)
const reps = Number(process.argv[3] ?? 9)
const only = process.argv[4] // optional workload name filter
const E = 256
const K = 8
const LAYERS = 58
const EP = 32

function median(fn: () => unknown): number {
  fn()
  fn()
  const ts: number[] = []
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    fn()
    ts.push(performance.now() - t0)
  }
  ts.sort((a, b) => a - b)
  return ts[ts.length >> 1]!
}

function report(workload: string, n: number, fn: () => unknown): void {
  if (only && only !== workload) return
  const ms = median(fn)
  console.log(
    JSON.stringify({
      impl: 'routesim-strategies',
      workload,
      tokens: n,
      experts: E,
      top_k: K,
      median_ms: +ms.toFixed(3),
      tokens_per_s: Math.round(n / (ms / 1000)),
    }),
  )
}

let seed = 0
const hidden = { shape: [tokens, 1] }
const logits = { shape: [tokens, E] }
const simulateZipf = () => {
  const strategy = createZipfStrategy({ exponent: 1, layout: 'per_layer' }, { seed: seed++ })
  const out = new Float64Array(LAYERS)
  for (let layer = 0; layer < LAYERS; layer++) {
    const ids = strategy.routeTokens(hidden, logits, K, 'int32', { layer })[1].data as Int32Array
    out[layer] = balancedness(rankLoads(expertCounts(ids, E), EP, 'linear'))
  }
  return out
}
report('simulate_zipf', tokens * LAYERS, simulateZipf)

// The sampler alone (ids only), same sizes: what the strategy adds on top is weights, validation, counting.
const zipf = Float64Array.from({ length: E }, (_, r) => 1 / (r + 1))
const prng = createPrng(1)
const ids = new Int32Array(tokens * K)
report('plackett_luce_sampler_zipf', tokens * LAYERS, () => {
  for (let layer = 0; layer < LAYERS; layer++) createWeightedDistinctSampler(zipf).sampleRows(prng, tokens, K, ids)
})

// uniform_distinct (1,048,576 tokens): the PL sampler on uniform weights vs the dedicated uniform sampler.
const big = 1 << 20
const bigIds = new Int32Array(big * K)
const uniform = new Float64Array(E).fill(1)
report('uniform_distinct_via_plackett_luce', big, () => createWeightedDistinctSampler(uniform).sampleRows(prng, big, K, bigIds))
report('uniform_distinct_via_sampleDistinctSubsets', big, () => sampleDistinctSubsets(bigIds, big, E, K, prng))
