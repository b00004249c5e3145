// Prints median wall ms, tokens/s and median process CPU ms (steadier on a shared machine) of the samplers at the WORKLOADS.md sizes (not a test).
// Run: node ../../scripts/run-ts-bench.mjs bench/samplers.bench.ts [tokens]
import { createPrng } from '@routesim/core'
import { sampleDistinctSubsets, sampleNormalRowWeights, sampleSigmoidNormalBins, sampleSigmoidNormalBinsDistinct, sampleUniformInts } from '../src/index.ts'

const tokens = Number(process.argv[2] ?? 1 << 20)
const experts = 256
const topK = 8
const reps = 7

function time(label: string, fn: () => void, n = tokens): void {
  fn()
  fn()
  const ts: number[] = []
  const cpu: number[] = []
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    fn()
    ts.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  ts.sort((a, b) => a - b)
  cpu.sort((a, b) => a - b)
  const median = ts[Math.floor(reps / 2)]!
  const cpuMedian = cpu[Math.floor(reps / 2)]!
  console.log(
    JSON.stringify({
      impl: 'routesim-distributions',
      workload: label,
      tokens: n,
      experts,
      top_k: label.includes('k=128') ? 128 : topK,
      median_ms: +median.toFixed(2),
      tokens_per_s: Math.round(n / (median / 1000)),
      cpu_ms: +cpuMedian.toFixed(2),
    }),
  )
}

const prng = createPrng(0)
const ids = new Int32Array(tokens * topK)
const weights = new Float32Array(tokens * topK)
time('uniform_random (ids only)', () => sampleUniformInts(ids, experts, prng))
time('uniform_distinct (ids only)', () => sampleDistinctSubsets(ids, tokens, experts, topK, prng))
time(
  'uniform_distinct k=128 (Fisher–Yates path)',
  () => sampleDistinctSubsets(new Int32Array((tokens / 16) * 128), tokens / 16, experts, 128, prng),
  tokens / 16,
)
time('normal_routing ids', () => sampleSigmoidNormalBins(ids, experts, 0, 1, prng))
time('normal_routing weights', () => sampleNormalRowWeights(weights, tokens, topK, 0, 1, prng))
time('normal_routing ids distinct', () => sampleSigmoidNormalBinsDistinct(ids, tokens, experts, topK, 0, 1, prng))
