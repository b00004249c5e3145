import { it } from 'vitest'
import { createReferenceBackend } from '@routesim/core'
import { createRandomLogits } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'

async function median(fn: () => unknown, reps = 5): Promise<number> {
  await fn()
  const ts: number[] = []
  for (let i = 0; i < reps; i++) { const t = performance.now(); await fn(); ts.push(performance.now() - t) }
  ts.sort((a, b) => a - b)
  return ts[Math.floor(ts.length / 2)]!
}

it('perf', async () => {
  const T = 65536, E = 256, k = 8
  const logits = createRandomLogits(1, T, E, 1)
  const bias = createRandomLogits(2, 1, E, 0.1)
  const ref = createReferenceBackend()
  const grouped = { k, scoring: 'sigmoid' as const, bias, grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' as const } }
  console.log('ref softmax', await median(() => ref.topK(logits, T, E, { k, scoring: 'softmax' }), 3))
  console.log('ref grouped', await median(() => ref.topK(logits, T, E, grouped), 3))
  console.log('ref distinct 1M', await median(() => ref.sampleIds({ kind: 'uniform_distinct', rows: 1 << 20, numExperts: E, k, seed: 1 }), 3))
  for (const threads of [false, true]) {
    const b = await createGpuBackend({ mode: 'webasm', threads })
    console.log('webasm', threads, 'softmax', await median(() => b.topK(logits, T, E, { k, scoring: 'softmax' })))
    console.log('webasm', threads, 'grouped', await median(() => b.topK(logits, T, E, grouped)))
    console.log('webasm', threads, 'distinct 1M', await median(() => b.sampleIds({ kind: 'uniform_distinct', rows: 1 << 20, numExperts: E, k, seed: 1 })))
    console.log('webasm', threads, 'iid 1M', await median(() => b.sampleIds({ kind: 'uniform_iid', rows: 1 << 20, numExperts: E, k, seed: 1 })))
    const w = Float64Array.from({ length: E }, (_, j) => 1 / (j + 1))
    console.log('webasm', threads, 'zipf 4096x58', await median(async () => { for (let l = 0; l < 58; l++) { const ids = await b.sampleIds({ kind: 'categorical_distinct', rows: 4096, numExperts: E, k, weights: w, seed: l }); await b.histogram(ids, E) } }))
    b.dispose()
  }
}, 600_000)
