#!/usr/bin/env node
// Does faulting fresh output pages in from two threads beat one? Touches one int per 4 KiB page of a
// FRESH 64 MiB buffer (the size of uniform_random's ids + weights) from the main thread, from the main
// thread and a worker (half each), and from two workers (half each). On our 2-core VMs two threads
// are slower: page faults in one process contend in the kernel.
//
//   node scripts/bench-fault-threads.mjs [--reps 7]
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'

const { values } = parseArgs({ options: { reps: { type: 'string', default: '7' } } })
const reps = Number(values.reps)
const BYTES = 64 << 20
const INTS = BYTES / 4
const PAGE_INTS = 1024

const source = `
const { parentPort } = require('node:worker_threads')
parentPort.on('message', ({ sab, from, to }) => {
  const a = new Int32Array(sab)
  for (let i = from; i < to; i += ${PAGE_INTS}) a[i] = 1
  parentPort.postMessage(0)
})`
const workers = [new Worker(source, { eval: true }), new Worker(source, { eval: true })]
const touchIn = (worker, sab, from, to) =>
  new Promise((resolve) => {
    worker.once('message', resolve)
    worker.postMessage({ sab, from, to })
  })
const touch = (array, from, to) => {
  for (let i = from; i < to; i += PAGE_INTS) array[i] = 1
}

async function time(fn) {
  await fn()
  await fn()
  const ts = []
  for (let i = 0; i < reps; i++) {
    const t = performance.now()
    await fn()
    ts.push(performance.now() - t)
  }
  ts.sort((a, b) => a - b)
  return ts[ts.length >> 1]
}

const cases = {
  'fresh ArrayBuffer, main thread': () => touch(new Int32Array(INTS), 0, INTS),
  'fresh SharedArrayBuffer, main thread': () => touch(new Int32Array(new SharedArrayBuffer(BYTES)), 0, INTS),
  'fresh SharedArrayBuffer, main thread + 1 worker': async () => {
    const sab = new SharedArrayBuffer(BYTES)
    const other = touchIn(workers[0], sab, 0, INTS / 2)
    touch(new Int32Array(sab), INTS / 2, INTS)
    await other
  },
  'fresh SharedArrayBuffer, 2 workers': async () => {
    const sab = new SharedArrayBuffer(BYTES)
    await Promise.all([touchIn(workers[0], sab, 0, INTS / 2), touchIn(workers[1], sab, INTS / 2, INTS)])
  },
}
for (const [name, fn] of Object.entries(cases)) {
  process.stdout.write(`${JSON.stringify({ impl: 'fault-floor', case: name, median_ms: Math.round((await time(fn)) * 1000) / 1000, reps })}\n`)
}
for (const worker of workers) await worker.terminate()
