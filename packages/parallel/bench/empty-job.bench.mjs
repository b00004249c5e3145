#!/usr/bin/env node
// Per-call cost of handing a job to the pool: a job of N chunks that do nothing, timed call by call (median and
// p90 of --reps calls after --warmup), with the caller taking chunks too (as routeLayers does) and with the caller
// only waiting. Prints one JSON line per case. Not a test; on a machine with fewer cores than --threads the
// numbers measure oversubscription, not the hand-off.
//   node bench/empty-job.bench.mjs [--threads 2] [--chunks 16] [--reps 2000] [--warmup 200] [--linger-ms N] [--spin-ms N]
import { build } from 'esbuild'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    chunks: { type: 'string', default: '16' },
    reps: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    'linger-ms': { type: 'string' },
    'spin-ms': { type: 'string' },
  },
})
const here = fileURLToPath(new URL('.', import.meta.url))
const common = { bundle: true, write: false, conditions: ['@routesim/source'], mainFields: ['module', 'main'], logLevel: 'silent', absWorkingDir: here }
const worker = await build({
  ...common,
  format: 'iife',
  platform: 'neutral',
  stdin: { contents: "import { startWorkerRuntime } from '../src/index.ts'; startWorkerRuntime({ noop: () => {} })", resolveDir: here, loader: 'ts' },
})
const main = await build({ ...common, format: 'esm', platform: 'node', entryPoints: [join(here, '../src/index.ts')] })
const dir = mkdtempSync(join(tmpdir(), 'routesim-empty-job-'))
try {
  const file = join(dir, 'parallel.mjs')
  writeFileSync(file, main.outputFiles[0].text)
  const { createThreadPool } = await import(pathToFileURL(file).href)
  const threads = Number(opts.threads)
  const chunks = Number(opts.chunks)
  const reps = Number(opts.reps)
  const warmup = Number(opts.warmup)
  const lingerMs = opts['linger-ms'] === undefined ? undefined : Number(opts['linger-ms'])
  const spinMs = opts['spin-ms'] === undefined ? undefined : Number(opts['spin-ms'])
  for (const callerRuns of [true, false]) {
    const pool = createThreadPool({
      threads,
      workerSource: worker.outputFiles[0].text,
      callerRuns,
      ...(lingerMs === undefined ? {} : { lingerMs }),
      ...(spinMs === undefined ? {} : { spinMs }),
    })
    pool.start()
    const job = { task: 'noop', args: { note: 'an args object like a layers job', values: [1, 2, 3] }, chunks, runChunk: () => {} }
    for (let i = 0; i < warmup; i++) pool.run(job)
    const times = []
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now()
      pool.run(job)
      times.push(performance.now() - t0)
    }
    pool.dispose()
    times.sort((a, b) => a - b)
    const us = (q) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000 * 10) / 10
    const record = {
      case: `empty job of ${chunks} chunks, ${callerRuns ? 'caller takes chunks' : 'caller waits'}`,
      threads,
      reps,
      median_us: us(0.5),
      p90_us: us(0.9),
    }
    process.stdout.write(`${JSON.stringify({ ...record, ...(lingerMs === undefined ? {} : { lingerMs }), ...(spinMs === undefined ? {} : { spinMs }) })}\n`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
