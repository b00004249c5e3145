#!/usr/bin/env node
// Floors on this machine, single-threaded: (1) the time to allocate FRESH output typed arrays of
// WORKLOADS.md's sizes and write every element once (ids [T,k] int32 + weights [T,k] float32), with no
// randomness at all — no implementation that returns new arrays per call from one thread can beat it;
// (2) one bare pass over the inputs of softmax_topk (max of 65,536×256 float32 logits) and histogram
// (OR of 8.4M int32 ids) — a lower bound for any single-threaded kernel that must read them.
// Comparing them with torch_baseline.py's times shows the highest ratio a workload can reach here.
//
//   node scripts/bench-floor.mjs [--reps 7]
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { reps: { type: 'string', default: '7' } } })
const reps = Number(values.reps)
const T = 1 << 20
const K = 8

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function time(fn) {
  fn()
  fn()
  const ts = []
  for (let i = 0; i < reps; i++) {
    const t = performance.now()
    fn()
    ts.push(performance.now() - t)
  }
  return median(ts)
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

for (const [name, fn] of Object.entries(cases)) {
  process.stdout.write(`${JSON.stringify({ impl: 'memory-floor', case: name, median_ms: Math.round(time(fn) * 1000) / 1000, reps })}\n`)
}
