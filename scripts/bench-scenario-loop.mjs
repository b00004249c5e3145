#!/usr/bin/env node
// Measures the scenario loop on threads (issue 14): one step of a layer session (every layer of DeepSeek-V3 routed
// with zipf, counted and dispatched) on the calling thread alone and on a pool of N threads, for several token
// counts — which sets the hand-off size below which runs keep their layers on the calling thread
// (LAYER_SESSION_MIN_SLOTS) — then whole runs through iterateScenario on 1 and N threads. Prints JSON lines.
//   node scripts/bench-scenario-loop.mjs [--threads N] [--reps 30] [--steps 50]
//   node scripts/bench-scenario-loop.mjs --bundle-only FILE    # a self-contained script for the device: node FILE [--threads …]
import { build } from 'esbuild'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values: opts } = parseArgs({ options: { 'bundle-only': { type: 'string' } }, strict: false })

const measuring = `
import { parseArgs } from 'node:util'
import { cpus } from 'node:os'
import { createChunkRunner } from './packages/simulator/src/default-runner.ts'
import { resolveChunkBackend } from './packages/simulator/src/chunk-backend.ts'
import { createLayerSessionTask, openLayerSession } from './packages/simulator/src/layer-session.ts'
import { WORKER_DEFINITIONS } from './packages/simulator/src/worker-definitions.ts'
import { createSimulator } from './packages/simulator/src/index.ts'
import { createExpertMap, initialPhysicalToLogical } from './packages/analysis/src/index.ts'
import { createPrng } from './packages/core/src/index.ts'
import { iterateScenario, parseScenario } from './packages/scenarios/src/index.ts'

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '30' }, steps: { type: 'string', default: '50' } }, strict: false })
const threads = Number(values.threads)
const reps = Number(values.reps)
const steps = Number(values.steps)
const emit = (record) => console.log(JSON.stringify({ threads, cpu: cpus()[0]?.model, cores: cpus().length, ...record }))

// One DeepSeek-V3 step: 58 layers, 256 experts, k 8, EP 8, zipf (exponent 1) on every layer.
const L = 58, E = 256, k = 8, R = 8
const spec = (tokens) => ({
  tokens, hiddenSize: 7168, experts: E, topK: k, logits: { mean: 0, std: 1 }, replicaChoice: 'modulo', epSize: R, nodes: 1, keepRouting: false,
  layers: Array.from({ length: L }, (_, l) => ({ strategy: 'zipf', params: { exponent: 1 }, seed: l, layer: l, routing: createPrng(1, 'routing', l).getState() })),
})
const map = createExpertMap(initialPhysicalToLogical(E, E), { numLogical: E, epSize: R })
const here = { threads: 1, parallel: false, run: (job) => { for (let c = 0; c < job.chunks; c++) job.runChunk(job.args, c) } }
const pool = createChunkRunner(threads, resolveChunkBackend().backend)
pool.start()
const task = createLayerSessionTask(WORKER_DEFINITIONS, resolveChunkBackend().backend)
const median = (f) => {
  for (let i = 0; i < 5; i++) f()
  const t = []
  for (let i = 0; i < reps; i++) { const s = performance.now(); f(); t.push(performance.now() - s) }
  t.sort((a, b) => a - b)
  return t[t.length >> 1]
}
for (const tokens of [8, 32, 64, 128, 256, 512, 1024, 4096]) {
  const row = { case: 'layer-session step', tokens, slotsPerLayer: tokens * k, layers: L }
  for (const [name, runner] of [['callingThreadMs', here], ['poolMs', pool]]) {
    const session = openLayerSession(spec(tokens), runner, task)
    for (let l = 0; l < L; l++) session.setMap(l, map)
    row[name] = median(() => session.step())
    session.close()
  }
  row.nsPerSlotCallingThread = (row.callingThreadMs * 1e6) / (L * tokens * k)
  row.speedup = row.callingThreadMs / row.poolMs
  emit(row)
}

// Whole runs, as routesim simulate runs them (EP 8, no EPLB), 1 thread and N.
const simulator = createSimulator()
for (const t of [1, threads]) {
  const scenario = parseScenario({ preset: 'deepseek-v3', strategy: 'zipf', tokensPerStep: 4096, steps, parallel: { epSize: 8 }, threads: t }, { simulator })
  const start = performance.now()
  const it = iterateScenario(scenario, { simulator })
  let next = await it.next()
  while (!next.done) next = await it.next()
  const ms = performance.now() - start
  emit({ case: 'iterateScenario', runThreads: t, steps, tokenLayers: next.value.tokenLayers, ms, msPerStep: ms / steps, tokenLayersPerSecond: next.value.tokenLayers / (ms / 1000), execution: next.value.execution })
}
process.exit(0)
`

const bundle = await build({
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@routesim/source'],
  mainFields: ['module', 'main'],
  logLevel: 'silent',
  absWorkingDir: root,
  // gpu.js and Dawn are never reached here.
  external: ['webgpu', 'gpu.js'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  stdin: { contents: measuring, resolveDir: root, loader: 'ts' },
})
const text = bundle.outputFiles[0].text
if (opts['bundle-only']) {
  writeFileSync(opts['bundle-only'], text)
  process.stderr.write(`wrote ${opts['bundle-only']}\n`)
} else {
  const file = join(mkdtempSync(join(tmpdir(), 'routesim-loop-bench-')), 'bench.mjs')
  writeFileSync(file, text)
  const args = process.argv.slice(2)
  const result = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' })
  process.exit(result.status ?? 1)
}
