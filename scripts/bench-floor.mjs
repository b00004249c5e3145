#!/usr/bin/env node
// The memory floor of the sampling workloads: the time to allocate FRESH output typed arrays of
// WORKLOADS.md's sizes and write every element once (ids [T,k] int32 + weights [T,k] float32), with no
// randomness at all. No implementation that returns new arrays per call can beat it; comparing it
// with torch_baseline.py's time shows the highest ratio a workload can reach on this machine.
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

for (const [name, fn] of Object.entries(cases)) {
  process.stdout.write(`${JSON.stringify({ impl: 'memory-floor', case: name, median_ms: Math.round(time(fn) * 1000) / 1000, reps })}\n`)
}
