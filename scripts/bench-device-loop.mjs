#!/usr/bin/env node
// Times whole `routesim simulate` runs (issue 14, the scenario loop on the device): DeepSeek-V3, zipf on every
// layer, per backend and step count, each a fresh process, as a user runs it. Two step counts separate the
// start-up (Dawn, gpu.js, shader builds) from the per-step cost. Prints one JSON line per run, then a summary
// per backend: median wall time, token-layers/s over the whole run, and per step (the marginal rate).
//   node scripts/bench-device-loop.mjs [--routesim packages/cli/dist/bin.js] [--backends webgpu,wasm]
//        [--steps 20,100] [--tokens 4096] [--ep-size 32] [--reps 3]
// On a GPU machine, with the device kit (scripts/bench-device.mjs copies this script into .device/):
//   source .device/setup.sh && node .device/bench-device-loop.mjs --routesim .device/routesim-bench.mjs
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    routesim: { type: 'string', default: join(here, '..', 'packages/cli/dist/bin.js') },
    backends: { type: 'string', default: 'webgpu,wasm' },
    steps: { type: 'string', default: '20,100' },
    tokens: { type: 'string', default: '4096' },
    'ep-size': { type: 'string', default: '32' },
    reps: { type: 'string', default: '3' },
  },
})
const routesim = resolve(values.routesim)
if (!existsSync(routesim)) {
  process.stderr.write(`bench-device-loop: ${routesim} does not exist (build the CLI: pnpm turbo run build --filter routesim)\n`)
  process.exit(1)
}
const backends = values.backends.split(',')
const stepCounts = values.steps.split(',').map(Number)
const tokens = Number(values.tokens)
const reps = Number(values.reps)
const LAYERS = 58 // DeepSeek-V3's MoE layers

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function runOnce(backend, steps) {
  const args = ['simulate', '--preset', 'deepseek-v3', '--strategy', 'zipf', '--tokens', String(tokens), '--steps', String(steps)]
  args.push('--ep-size', values['ep-size'], '--backend', backend, '--quiet', '--json')
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, [routesim, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`routesim ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  const summary = JSON.parse(result.stdout)
  return { wallMs, execution: summary.execution }
}

const summaries = []
for (const backend of backends) {
  const medians = new Map()
  let execution
  for (const steps of stepCounts) {
    const walls = []
    for (let r = 0; r < reps; r++) {
      const run = runOnce(backend, steps)
      execution = run.execution
      walls.push(run.wallMs)
      console.log(JSON.stringify({ backend, steps, tokens, layers: LAYERS, rep: r, wall_ms: Math.round(run.wallMs), layers_on: run.execution.layersOn }))
    }
    medians.set(steps, median(walls))
  }
  const [few, many] = [Math.min(...stepCounts), Math.max(...stepCounts)]
  const perStepMs = many > few ? (medians.get(many) - medians.get(few)) / (many - few) : undefined
  summaries.push({
    backend,
    layers_on: `${execution.layersOn} (${execution.reason})`,
    median_wall_ms: Object.fromEntries([...medians].map(([s, ms]) => [s, Math.round(ms)])),
    token_layers_per_s_whole_run: Math.round((tokens * LAYERS * many) / (medians.get(many) / 1e3)),
    ...(perStepMs === undefined
      ? {}
      : {
          per_step_ms: Number(perStepMs.toFixed(2)),
          token_layers_per_s_per_step: Math.round((tokens * LAYERS) / (perStepMs / 1e3)),
          startup_ms: Math.round(medians.get(few) - few * perStepMs),
        }),
  })
}
for (const s of summaries) console.log(JSON.stringify({ summary: true, ...s }))
