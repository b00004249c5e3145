#!/usr/bin/env node
// What fresh buffers cost per call: the four arrays a 58-layer keep-counts routeLayers call returned (last layer's
// ids and weights, counts, end state) as four SharedArrayBuffers, as one, and as four ordinary ArrayBuffers.
// Prints median µs per set over --reps rounds of 200 sets. Not a test.
//   node bench/fresh-buffers.bench.mjs [--reps 25]
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({ options: { reps: { type: 'string', default: '25' } } })
const words = [4096 * 8, 4096 * 8, 58 * 256, 4]
const total = words.reduce((a, b) => a + b)
const cases = {
  'four SharedArrayBuffers': () => words.map((n) => new Int32Array(new SharedArrayBuffer(n * 4))),
  'one SharedArrayBuffer, four views': () => {
    const buffer = new SharedArrayBuffer(total * 4)
    let at = 0
    return words.map((n) => {
      const view = new Int32Array(buffer, at * 4, n)
      at += n
      return view
    })
  },
  'four ArrayBuffers': () => words.map((n) => new Int32Array(n)),
}
let sink = 0
for (const [name, make] of Object.entries(cases)) {
  const samples = []
  for (let r = 0; r < Number(opts.reps) + 5; r++) {
    const start = performance.now()
    for (let i = 0; i < 200; i++) sink += make()[3].length
    if (r >= 5) samples.push(((performance.now() - start) / 200) * 1000)
  }
  samples.sort((a, b) => a - b)
  console.log(JSON.stringify({ case: name, medianUs: Math.round(samples[samples.length >> 1] * 10) / 10 }))
}
if (sink < 0) console.log(sink)
