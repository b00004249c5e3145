#!/usr/bin/env node
// Measures the thread pool's hand-off: the time of a job whose chunks do nothing (spread over the workers, the
// caller waiting) against the work of one chunk of each request type run on the calling thread. That is what sets
// the sizes below which requests stay on the calling thread (one chunk: 8,192 sampled rows, 1,024 router rows).
//   node scripts/bench-handoff.mjs [--threads N] [--reps 200]
import { build } from 'esbuild'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values: opts } = parseArgs({ options: { threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '200' } } })
const dir = mkdtempSync(join(tmpdir(), 'routesim-handoff-'))
const common = {
  bundle: true,
  write: false,
  platform: 'neutral',
  conditions: ['@routesim/source'],
  mainFields: ['module', 'main'],
  logLevel: 'silent',
  absWorkingDir: root,
}
// The worker: the pool's runtime with one task that does nothing.
const worker = await build({
  ...common,
  format: 'iife',
  stdin: {
    contents: "import { startWorkerRuntime } from './packages/parallel/src/index.ts'; startWorkerRuntime({ noop: () => {} })",
    resolveDir: root,
    loader: 'ts',
  },
})
// The measuring side: the pool, the simulator (for one chunk of real work).
const main = await build({
  ...common,
  format: 'esm',
  platform: 'node',
  stdin: {
    resolveDir: root,
    loader: 'ts',
    contents: `
import { createThreadPool } from './packages/parallel/src/index.ts'
import { createSimulator } from './packages/simulator/src/index.ts'
export async function measure(workerSource, threads, reps) {
  const pool = createThreadPool({ threads, workerSource, callerRuns: false })
  pool.start()
  const time = (f) => { for (let i = 0; i < 20; i++) f(); const t = []; for (let i = 0; i < reps; i++) { const s = performance.now(); f(); t.push(performance.now() - s) } t.sort((a, b) => a - b); return t[t.length >> 1] }
  const out = []
  const n = Math.max(2, threads - 1)
  out.push({ case: 'hand-off: a job of ' + n + ' empty chunks on the workers, the caller waiting', median_ms: time(() => pool.run({ task: 'noop', args: null, chunks: n, runChunk: () => {} })) })
  const sim = createSimulator({ seed: 1, threads: 1 })
  const data = new Float32Array(1024 * 256).map((_, i) => Math.sin(i))
  out.push({ case: 'one sampling chunk on the calling thread: uniform_random 8,192 x 8', median_ms: time(() => sim.simulateRouting({ shape: [8192, 1] }, { shape: [8192, 256] }, 'uniform_random', 8)) })
  out.push({ case: 'one router chunk on the calling thread: softmax_topk 1,024 x 256, k 8', median_ms: time(() => sim.simulateRouting({ shape: [1024, 1] }, { data, shape: [1024, 256] }, 'softmax_topk', 8)) })
  pool.dispose()
  return out
}`,
  },
})
const file = join(dir, 'measure.mjs')
writeFileSync(file, main.outputFiles[0].text)
const { measure } = await import(file)
for (const r of await measure(worker.outputFiles[0].text, Number(opts.threads), Number(opts.reps))) {
  process.stdout.write(`${JSON.stringify({ ...r, median_ms: Math.round(r.median_ms * 1000) / 1000, threads: Number(opts.threads) })}\n`)
}
