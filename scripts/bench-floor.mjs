#!/usr/bin/env node
// Floors on this machine, single-threaded: (1) the time to allocate FRESH output typed arrays of
// WORKLOADS.md's sizes and write every element once (ids [T,k] int32 + weights [T,k] float32), with no
// randomness at all — no implementation that returns new arrays per call from one thread can beat it;
// (2) one bare pass over the inputs of softmax_topk (max of 65,536×256 float32 logits) and histogram
// (OR of 8.4M int32 ids) — a lower bound for any single-threaded kernel that must read them.
// Comparing them with torch_baseline.py's times shows the highest ratio a workload can reach here.
// (3) The default path's floor: the same fresh outputs in SharedArrayBuffers, written (ids, then the all-ones
// weights, each with `fill`) in 8,192-row chunks claimed from a shared counter by the calling thread and
// `--threads` − 1 workers, as the pool writes them — no randomness, no per-element work.
//
//   node scripts/bench-floor.mjs [--reps 7] [--threads 2]
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'

const { values } = parseArgs({ options: { reps: { type: 'string', default: '7' }, threads: { type: 'string' } } })
const reps = Number(values.reps)
const threads = Number(values.threads ?? Math.min(availableParallelism(), 16))
const T = 1 << 20
const K = 8

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Median wall ms and median CPU ms of the whole process (every thread, user + system: robust to a loaded machine). */
async function time(fn) {
  await fn()
  await fn()
  const ts = []
  const cpu = []
  for (let i = 0; i < reps; i++) {
    const c = process.cpuUsage()
    const t = performance.now()
    await fn()
    ts.push(performance.now() - t)
    const u = process.cpuUsage(c)
    cpu.push((u.user + u.system) / 1000)
  }
  return { wall: median(ts), cpu: median(cpu) }
}

/** One thread's share of the chunked write: claims 8,192-row chunks until none are left (the pool's protocol). */
function drainWrites(ids, weights, control, chunks, chunkSlots) {
  for (;;) {
    const c = Atomics.add(control, 0, 1)
    if (c >= chunks) return
    const from = c * chunkSlots
    const to = Math.min(ids.length, from + chunkSlots)
    // fill: the cheapest write there is, so only the pages' cost remains
    ids.fill(c & 255, from, to)
    weights.fill(1, from, to)
  }
}

const workers = Array.from(
  { length: Math.max(0, threads - 1) },
  () =>
    new Worker(
      `const { parentPort } = require('node:worker_threads')
${drainWrites.toString()}
parentPort.on('message', ({ ids, weights, control, chunks, chunkSlots }) => {
  drainWrites(ids, weights, control, chunks, chunkSlots)
  parentPort.postMessage(0)
})`,
      { eval: true },
    ),
)

/** Fresh shared ids + weights [1M, 8], written by this thread and every worker. */
async function threadedWrite() {
  const slots = T * K
  const ids = new Int32Array(new SharedArrayBuffer(slots * 4))
  const weights = new Float32Array(new SharedArrayBuffer(slots * 4))
  const control = new Int32Array(new SharedArrayBuffer(8))
  const chunkSlots = 8192 * K
  const chunks = Math.ceil(slots / chunkSlots)
  const done = workers.map(
    (w) =>
      new Promise((resolve) => {
        w.once('message', resolve)
        w.postMessage({ ids, weights, control, chunks, chunkSlots })
      }),
  )
  drainWrites(ids, weights, control, chunks, chunkSlots)
  await Promise.all(done)
  return ids[9] + weights[9]
}

const cases = {
  // the output of uniform_random / uniform_distinct / normal_routing: ids + weights
  'ids+weights [1M,8] fresh': () => {
    const ids = new Int32Array(T * K)
    for (let i = 0; i < ids.length; i++) ids[i] = i & 255
    return new Float32Array(T * K).fill(1).length + ids[5]
  },
  'weights [1M,8] fresh, fill(1)': () => new Float32Array(T * K).fill(1).length,
  'ids [1M,8] fresh, written': () => {
    const ids = new Int32Array(T * K)
    for (let i = 0; i < ids.length; i++) ids[i] = i & 255
    return ids[7]
  },
  'ids+weights [1M,8] into reused buffers': (() => {
    const ids = new Int32Array(T * K)
    const w = new Float32Array(T * K)
    return () => {
      for (let i = 0; i < ids.length; i++) ids[i] = i & 255
      return w.fill(1).length + ids[3]
    }
  })(),
}

const logits = new Float32Array(65536 * 256)
for (let i = 0; i < logits.length; i++) logits[i] = (i % 1013) / 1013
const ids = new Int32Array(T * K)
for (let i = 0; i < ids.length; i++) ids[i] = (i * 2654435761) >>> 24
cases['scan: max over logits [65536,256] f32'] = () => {
  let m = -Infinity
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]
    if (v > m) m = v
  }
  return m
}
cases['scan: OR over ids [1M,8] i32'] = () => {
  let x = 0
  for (let i = 0; i < ids.length; i++) x |= ids[i]
  return x
}

cases[`ids+weights [1M,8] fresh shared, filled by ${threads} thread${threads === 1 ? '' : 's'} in 8192-row chunks`] = threadedWrite

for (const [name, fn] of Object.entries(cases)) {
  const { wall, cpu } = await time(fn)
  process.stdout.write(
    `${JSON.stringify({ impl: 'memory-floor', case: name, median_ms: Math.round(wall * 1000) / 1000, cpu_ms: Math.round(cpu * 1000) / 1000, reps })}\n`,
  )
}
for (const worker of workers) await worker.terminate()
