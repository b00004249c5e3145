#!/usr/bin/env node
// Per-thread speed of a fixed integer loop (xorshift, no memory) with N threads busy at once: on 16 physical
// cores every thread keeps its 1-thread speed; on 8 cores × 2 hyperthreads the 16-thread speed halves.
// Tells how far a host's threads can scale at best (the device host's 16 vCPUs). Prints one JSON line per count.
//   node scripts/cores-probe.mjs
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
const spin = (iters) => {
  let x = 1 | 0
  for (let i = 0; i < iters; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
  }
  return x
}
if (!isMainThread) {
  spin(2e7)
  const sab = workerData
  Atomics.add(sab, 0, 1)
  while (Atomics.load(sab, 1) === 0);
  const t = performance.now()
  spin(2e8)
  parentPort.postMessage(performance.now() - t)
} else {
  let one = 0
  for (const n of [1, 2, 4, 8, 12, 16]) {
    const sab = new Int32Array(new SharedArrayBuffer(8))
    const ws = Array.from({ length: n }, () => new Worker(new URL(import.meta.url), { workerData: sab }))
    const done = ws.map((w) => new Promise((r) => w.once('message', r)))
    while (Atomics.load(sab, 0) < n) await new Promise((r) => setTimeout(r, 5))
    Atomics.store(sab, 1, 1)
    const ms = await Promise.all(done)
    ws.forEach((w) => w.terminate())
    const mean = ms.reduce((a, b) => a + b) / n
    if (n === 1) one = mean
    console.log(
      JSON.stringify({ threads: n, msPerThread: Math.round(mean), slowest: Math.round(Math.max(...ms)), speedup: Math.round(((n * one) / mean) * 100) / 100 }),
    )
  }
}
