#!/usr/bin/env node
// Per-thread speed of fixed integer loops (xorshift, no memory) with N threads busy at once, two kinds:
// 'chain': one dependent chain, latency-bound (a core's second hyperthread fills the idle issue slots, so this
// scales to every vCPU either way); 'chains4': four independent chains, which keep one thread's core busy, so on
// 8 cores × 2 hyperthreads its per-thread time rises ≈ 1.5–2× from 8 to 16 threads, while on 16 cores it stays flat
// (a lower all-core clock slows every count from 2–4 threads on alike: the device host, session 7, ran 1.35× slower
// per thread and reached 11.9× at 16). Tells how far a host's threads can scale at best. One JSON line per count.
//   node scripts/cores-probe.mjs
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
const chain = (iters) => {
  let x = 1 | 0
  for (let i = 0; i < iters; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
  }
  return x
}
const chains4 = (iters) => {
  let a = 1 | 0,
    b = 2 | 0,
    c = 3 | 0,
    d = 4 | 0
  for (let i = 0; i < iters; i += 4) {
    a ^= a << 13
    b ^= b << 13
    c ^= c << 13
    d ^= d << 13
    a ^= a >>> 17
    b ^= b >>> 17
    c ^= c >>> 17
    d ^= d >>> 17
    a ^= a << 5
    b ^= b << 5
    c ^= c << 5
    d ^= d << 5
  }
  return a ^ b ^ c ^ d
}
const kinds = { chain, chains4 }
if (!isMainThread) {
  const { sab, kind } = workerData
  const spin = kinds[kind]
  spin(2e7)
  Atomics.add(sab, 0, 1)
  while (Atomics.load(sab, 1) === 0);
  const t = performance.now()
  spin(2e8)
  parentPort.postMessage(performance.now() - t)
} else {
  for (const kind of Object.keys(kinds)) {
    let one = 0
    for (const n of [1, 2, 4, 8, 12, 16]) {
      const sab = new Int32Array(new SharedArrayBuffer(8))
      const ws = Array.from({ length: n }, () => new Worker(new URL(import.meta.url), { workerData: { sab, kind } }))
      const done = ws.map((w) => new Promise((r) => w.once('message', r)))
      while (Atomics.load(sab, 0) < n) await new Promise((r) => setTimeout(r, 5))
      Atomics.store(sab, 1, 1)
      const ms = await Promise.all(done)
      ws.forEach((w) => w.terminate())
      const mean = ms.reduce((a, b) => a + b) / n
      if (n === 1) one = mean
      const speedup = Math.round(((n * one) / mean) * 100) / 100
      console.log(JSON.stringify({ kind, threads: n, msPerThread: Math.round(mean), slowest: Math.round(Math.max(...ms)), speedup }))
    }
  }
}
