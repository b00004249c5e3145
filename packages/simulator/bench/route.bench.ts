// End-to-end routing through the simulator (ids + weights, as WORKLOADS.md times them): prints median wall ms,
// tokens/s and median process CPU ms (steadier on a shared machine) per workload (not a test).
// Run: node ../../scripts/run-ts-bench.mjs bench/route.bench.ts [tokens]
import { createSimulator } from '../src/index.ts'

const tokens = Number(process.argv[2] ?? 1 << 20)
const experts = 256
const topK = 8
const reps = 7

const workloads: [string, string, Record<string, unknown>][] = [
  ['uniform_random', 'uniform_random', { replacement: true }],
  ['uniform_distinct', 'uniform_random', {}],
  ['normal_routing', 'normal_routing', {}],
  ['normal_routing_distinct', 'normal_routing', { distinct: true }],
]

const simulator = createSimulator({ seed: 0 })
const hidden = { shape: [tokens, 1] }
const logits = { shape: [tokens, experts] }
for (const [workload, name, params] of workloads) {
  simulator.registerStrategy(`bench_${workload}`, simulator.createStrategy(name, params))
  const run = () => simulator.simulateRouting(hidden, logits, `bench_${workload}`, topK, 'int32')
  run()
  run()
  const ts: number[] = []
  const cpu: number[] = []
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    run()
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
      impl: 'routesim-simulator',
      workload,
      tokens,
      experts,
      top_k: topK,
      median_ms: +median.toFixed(2),
      tokens_per_s: Math.round(tokens / (median / 1000)),
      cpu_ms: +cpuMedian.toFixed(2),
    }),
  )
}
