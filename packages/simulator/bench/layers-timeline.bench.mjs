#!/usr/bin/env node
// Where a parallel routeLayers call (simulate_zipf's shape: zipf per_layer, 58 layers × 4,096 tokens, k = 8) spends
// its time on each thread: every layer chunk's start, end and thread are recorded (caller and workers run the same
// route_layers task, wrapped in a timer), and per call the script reports the call's wall time, the output allocation, each thread's
// first start after the call began (the hand-off), the chunks' own durations on the caller and on the workers,
// the busiest thread's work and the wait after the last chunk. Medians over --reps calls after --warmup calls.
// Prints one JSON line per thread count. Not a test.
//   node bench/layers-timeline.bench.mjs [--threads 1,16] [--tokens 4096] [--layers 58] [--reps 200] [--warmup 300] [--spin-ms N]
//   node bench/layers-timeline.bench.mjs --alone 400 [--threads 1,8,16]   (each thread routes 400 layers back to back at
//     once, with no hand-off between them: a layer's cost when N threads are busy, apart from the pool)
//   node bench/layers-timeline.bench.mjs --bundle-only out.mjs   (a self-contained script for a machine without esbuild)
import { build } from 'esbuild'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const common = { bundle: true, write: false, conditions: ['@routesim/source'], mainFields: ['module', 'main'], logLevel: 'silent', absWorkingDir: here }

// The task both sides run: the library's route_layers chunk, timed. Thread 0 is the caller.
const timedTask = `
import { createRouteLayersTask } from '../src/route-layers.ts'
import { WORKER_DEFINITIONS } from '../src/worker-definitions.ts'
const task = createRouteLayersTask(WORKER_DEFINITIONS)
const thread = globalThis.process?.getBuiltinModule?.('node:worker_threads')?.threadId ?? 0
export function timedRouteLayers(args, chunk) {
  const start = performance.timeOrigin + performance.now()
  task(args, chunk)
  const end = performance.timeOrigin + performance.now()
  args.timeline[chunk * 3] = start
  args.timeline[chunk * 3 + 1] = end
  args.timeline[chunk * 3 + 2] = thread
}
// --alone: chunk c is one thread's run of args.repeat layers back to back (no hand-off between them); each
// layer's duration goes to alone[c * repeat + r].
export function aloneRouteLayers(args, chunk) {
  for (let r = 0; r < args.repeat; r++) {
    const start = performance.now()
    task(args, (chunk * args.repeat + r) % args.layers)
    args.alone[chunk * args.repeat + r] = performance.now() - start
  }
}
`
const worker = await build({
  ...common,
  format: 'iife',
  platform: 'neutral',
  stdin: {
    contents: `import { startWorkerRuntime } from '@routesim/parallel'\nimport { aloneRouteLayers, timedRouteLayers } from './timed-task.ts'\nstartWorkerRuntime({ route_layers: timedRouteLayers, route_layers_alone: aloneRouteLayers })`,
    resolveDir: here,
    loader: 'ts',
  },
  plugins: [virtualTimedTask()],
})

const mainSource = `
import { parseArgs } from 'node:util'
import { createPrng } from '@routesim/core'
import { createThreadPool } from '@routesim/parallel'
import { allocateLayers } from '../src/route-layers.ts'
import { aloneRouteLayers, timedRouteLayers } from './timed-task.ts'
const { values: opts } = parseArgs({ options: {
  threads: { type: 'string', default: '1,16' }, tokens: { type: 'string', default: '4096' }, layers: { type: 'string', default: '58' },
  reps: { type: 'string', default: '200' }, warmup: { type: 'string', default: '300' }, 'spin-ms': { type: 'string' }, alone: { type: 'string' }, 'bundle-only': { type: 'string' } } })
const tokens = Number(opts.tokens), layers = Number(opts.layers), experts = 256, k = 8
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[s.length >> 1] }
const round = (x) => Math.round(x * 1000) / 1000
// One simulate_zipf step's layers job over the given outputs, plus what the timed task records into.
const stepArgs = (prng, outputs, extra) => ({
  strategy: 'zipf', params: { exponent: 1, layout: 'per_layer' }, seed: 0, tokens, experts, k, firstLayer: 0, start: prng.getState(), ...outputs, ...extra,
})
const float64s = (n, shared) => new Float64Array(shared ? new SharedArrayBuffer(n * 8) : new ArrayBuffer(n * 8))
for (const threads of opts.threads.split(',').map(Number)) {
  const spinMs = opts['spin-ms'] === undefined ? undefined : Number(opts['spin-ms'])
  const pool = createThreadPool({ threads, workerSource: WORKER_SOURCE, spinMs })
  pool.start()
  const prng = createPrng(0)
  if (opts.alone !== undefined) {
    // Every thread routes --alone layers back to back at once: the layer's cost with N threads busy, no pool in between.
    const repeat = Number(opts.alone), per = []
    for (let rep = 0; rep < 3; rep++) {
      const outputs = allocateLayers(layers, tokens, experts, k, 'counts', pool.parallel)
      const args = stepArgs(prng, outputs, { repeat, alone: float64s(threads * repeat, pool.parallel) })
      pool.run({ task: 'route_layers_alone', args, chunks: threads, runChunk: aloneRouteLayers, pinned: true })
      // The first quarter of each thread's run warms it up.
      for (let c = 0; c < threads; c++) per.push(...args.alone.subarray(c * repeat + (repeat >> 2), (c + 1) * repeat))
    }
    pool.dispose()
    const sorted = per.sort((a, b) => a - b)
    const at = (q) => round(sorted[Math.floor(sorted.length * q)])
    console.log(JSON.stringify({ threads, tokens, alone: repeat, layerMs: at(0.5), p10: at(0.1), p90: at(0.9) }))
    continue
  }
  const rows = []
  for (let rep = 0; rep < Number(opts.warmup) + Number(opts.reps); rep++) {
    const callStart = performance.timeOrigin + performance.now()
    const outputs = allocateLayers(layers, tokens, experts, k, 'counts', pool.parallel)
    const allocated = performance.timeOrigin + performance.now()
    const args = stepArgs(prng, outputs, { timeline: float64s(layers * 3, pool.parallel) })
    pool.run({ task: 'route_layers', args, chunks: layers, runChunk: timedRouteLayers })
    const callEnd = performance.timeOrigin + performance.now()
    if (rep < Number(opts.warmup)) continue
    const t = args.timeline, byThread = new Map()
    let lastEnd = 0
    const callerChunks = [], workerChunks = []
    for (let c = 0; c < layers; c++) {
      const [s, e, th] = [t[c * 3], t[c * 3 + 1], t[c * 3 + 2]]
      const entry = byThread.get(th) ?? { first: Infinity, busy: 0, chunks: 0 }
      entry.first = Math.min(entry.first, s - callStart); entry.busy += e - s; entry.chunks++
      byThread.set(th, entry)
      ;(th === 0 ? callerChunks : workerChunks).push(e - s)
      lastEnd = Math.max(lastEnd, e)
    }
    const firsts = [...byThread.entries()].filter(([th]) => th !== 0).map(([, v]) => v.first)
    rows.push({
      wall: callEnd - callStart, alloc: allocated - callStart, threadsUsed: byThread.size, callerFirst: byThread.get(0)?.first ?? NaN,
      lastWorkerFirst: firsts.length ? Math.max(...firsts) : 0, medianWorkerFirst: firsts.length ? median(firsts) : 0,
      callerChunk: median(callerChunks), workerChunk: median(workerChunks), maxBusy: Math.max(...[...byThread.values()].map((v) => v.busy)),
      sumWork: [...byThread.values()].reduce((a, v) => a + v.busy, 0), maxChunks: Math.max(...[...byThread.values()].map((v) => v.chunks)),
      afterLastChunk: callEnd - lastEnd,
    })
  }
  pool.dispose()
  const summary = { threads, tokens, layers, reps: rows.length, spinMs: spinMs ?? 'default' }
  for (const key of Object.keys(rows[0])) summary[key] = round(median(rows.map((r) => r[key])))
  summary.idealMs = round(summary.sumWork / threads)
  console.log(JSON.stringify(summary))
}
`
const main = await build({
  ...common,
  format: 'esm',
  platform: 'node',
  stdin: { contents: mainSource, resolveDir: here, loader: 'ts' },
  define: { WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
  plugins: [virtualTimedTask()],
})

const bundleOnly = process.argv.indexOf('--bundle-only')
if (bundleOnly >= 0) {
  writeFileSync(process.argv[bundleOnly + 1], main.outputFiles[0].text)
} else {
  const dir = mkdtempSync(join(tmpdir(), 'routesim-layers-timeline-'))
  try {
    const file = join(dir, 'timeline.mjs')
    writeFileSync(file, main.outputFiles[0].text)
    await import(pathToFileURL(file).href)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function virtualTimedTask() {
  return {
    name: 'timed-task',
    setup(b) {
      b.onResolve({ filter: /^\.\/timed-task\.ts$/ }, () => ({ path: 'timed-task.ts', namespace: 'timed' }))
      b.onLoad({ filter: /.*/, namespace: 'timed' }, () => ({ contents: timedTask, loader: 'ts', resolveDir: here }))
    },
  }
}
