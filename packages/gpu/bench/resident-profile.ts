/**
 * Where a device-resident call's time goes (webgpu): the whole call, then its parts on the same device —
 * an empty submit (queue latency), the router pass alone (submit → onSubmittedWorkDone), the read-back
 * (copy + mapAsync + one copy out) and a 4-byte map (mapAsync latency). simulate_zipf's resident counts
 * are timed alone, after a large sampleIds read-back and after the router calls, so an order effect shows.
 * One JSON line per measurement (median ms of `--reps`).
 *
 *   node resident-profile.mjs [--reps 15] [--rows 65536] [--experts 256] [--k 8]
 * Bundle it like the CLI bench (scripts/bench-device.mjs does).
 */
import { parseArgs } from 'node:util'
import { createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { compareTopK } from '@routesim/testing'
import { groupedTopKPlanner, softmaxTopKPlanner } from '@routesim/routers'
import { createGpuBackend } from '../src/create-gpu-backend.ts'
import { loadGpuModule } from '../src/gpu-module.ts'
import { createNodeWebGpu } from '../src/node-webgpu.ts'
import { categoricalTables, headMass } from '../src/gpu-sampling.ts'
import { routerPassSource } from '../src/router-pass.ts'
import { samplerPassSource } from '../src/sampler-pass.ts'
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM, dispatchFor } from '../src/webgpu-device.ts'
import type { Device } from '../src/webgpu-device.ts'

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '15' },
    rows: { type: 'string', default: '65536' },
    experts: { type: 'string', default: '256' },
    k: { type: 'string', default: '8' },
  },
})
const reps = Number(values.reps)
const rows = Number(values.rows)
const E = Number(values.experts)
const k = Number(values.k)

async function time(name: string, fn: () => unknown, extra: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < 3; i++) await fn()
  const samples: number[] = []
  for (let i = 0; i < reps; i++) {
    const start = performance.now()
    await fn()
    samples.push(performance.now() - start)
  }
  samples.sort((a, b) => a - b)
  const median = samples[samples.length >> 1]!
  process.stdout.write(`${JSON.stringify({ name, median_ms: Number(median.toFixed(4)), min_ms: Number(samples[0]!.toFixed(4)), ...extra })}\n`)
}

const gpu = await loadGpuModule()
const backend = await createGpuBackend({ mode: 'webgpu', gpu, navigatorGpu: await createNodeWebGpu(), referenceHandoff: false })
const resident = backend.resident!
const { device } = (await gpu.WebGPUContext!.acquire()) as unknown as { device: Device & { queue: { onSubmittedWorkDone(): Promise<void> } } }
process.stdout.write(`${JSON.stringify({ name: 'adapter', adapter: backend.adapter, rows, experts: E, k })}\n`)

const prng = createPrng(7, 'profile')
const logits = Float32Array.from({ length: rows * E }, () => prng.nextNormal())
const bias = Float32Array.from({ length: E }, () => prng.nextNormal() * 0.1)
const onDevice = await resident.uploadLogits(logits, rows, E)
const softmax = softmaxTopKPlanner({ renormalize: true })(E, k)
const grouped = groupedTopKPlanner({ numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', correctionBias: Array.from(bias), routedScalingFactor: 2.5 })(E, k)

// On this device, against the reference: ids exact up to float32 ties, weights within 1e-6 of the router's host finish.
const reference = createReferenceBackend()
for (const [label, plan] of [
  ['softmax_topk', softmax],
  ['grouped_topk', grouped],
] as const) {
  const out = await resident.route(onDevice, plan.topK, plan.weightFinish!)
  const { problems, toleratedRows } = compareTopK({
    logits,
    rows,
    cols: E,
    options: plan.topK,
    reference: reference.topK(logits, rows, E, plan.topK),
    candidate: out,
    idsAndWeightsOnly: true,
  })
  const expected = plan.finishWeights({ logits, rows, cols: E, k, ids: out.ids })
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(out.weights[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 1e-30))
  process.stdout.write(`${JSON.stringify({ name: `${label} check vs reference`, idProblems: problems, toleratedRows, worstWeightRelError: worst })}\n`)
}

// simulate_zipf's shape: 4,096 tokens × 58 layers, k distinct of E by per-layer zipf weights.
const zipfWeights = Array.from({ length: 58 }, (_, layer) => Float64Array.from({ length: E }, (_, j) => 1 / (((j * 7 + layer * 13) % E) + 1)))
const zipf = () => resident.sampleCounts({ kind: 'categorical_distinct', rows: 4096, numExperts: E, k, layers: 58, weights: zipfWeights, seed: 1 })

await time('zipf sampleCounts, first', zipf)
await time('empty submit + onSubmittedWorkDone', () => {
  device.queue.submit([device.createCommandEncoder().finish()])
  return device.queue.onSubmittedWorkDone()
})
const tiny = device.createBuffer({ size: 4, usage: USAGE_MAP_READ | USAGE_COPY_DST })
await time('4-byte mapAsync (map latency)', async () => {
  await tiny.mapAsync(MAP_MODE_READ, 0, 4)
  tiny.unmap()
})

for (const [label, plan] of [
  ['softmax_topk', softmax],
  ['grouped_topk', grouped],
] as const) {
  await time(`${label} route (whole call)`, () => resident.route(onDevice, plan.topK, plan.weightFinish!))
  const owned = { ids: new Int32Array(rows * k), weights: new Float32Array(rows * k) }
  await time(`${label} route into caller-owned outputs`, () => resident.route(onDevice, plan.topK, plan.weightFinish!, owned))
  // The pass alone: same WGSL, submit → onSubmittedWorkDone, no read-back.
  const spec = {
    numExperts: E,
    k,
    scoring: plan.topK.scoring,
    hasBias: plan.topK.bias !== undefined,
    grouping: plan.topK.grouping ? { numGroups: 8, topkGroup: 4, topN: plan.topK.grouping.groupScore === 'max' ? 1 : 2, maskValue: -Infinity } : undefined,
    finish: plan.weightFinish,
  }
  const module = device.createShaderModule({ code: routerPassSource(spec) })
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } })
  const out = device.createBuffer({ size: 8 * rows * k, usage: USAGE_STORAGE | USAGE_COPY_SRC })
  const biasBuffer = device.createBuffer({ size: 4 * E, usage: USAGE_STORAGE | USAGE_COPY_DST })
  device.queue.writeBuffer(biasBuffer, 0, bias)
  const params = device.createBuffer({ size: 32, usage: USAGE_UNIFORM | USAGE_COPY_DST })
  const { x, y, width } = dispatchFor(rows, 64)
  // rows, rowOffset, width, weightsAt, winnersAt, normAt, totalRows (router-pass.ts's Params)
  device.queue.writeBuffer(params, 0, new Uint32Array([rows, 0, width, rows * k, 2 * rows * k, 2 * rows * k, rows, 0]))
  const logitsBuffer = (onDevice as unknown as { chunks: { handle: { buffer: unknown } }[] }).chunks[0]!.handle.buffer
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: params } },
      { binding: 1, resource: { buffer: logitsBuffer as never } },
      ...(spec.hasBias ? [{ binding: 2, resource: { buffer: biasBuffer } }] : []),
      { binding: 3, resource: { buffer: out } },
    ],
  })
  const dispatch = (times: number) => {
    const encoder = device.createCommandEncoder()
    for (let i = 0; i < times; i++) {
      const pass = encoder.beginComputePass()
      pass.setPipeline(pipeline)
      pass.setBindGroup(0, bindGroup)
      pass.dispatchWorkgroups(x, y)
      pass.end()
    }
    device.queue.submit([encoder.finish()])
    return device.queue.onSubmittedWorkDone()
  }
  await time(`${label} pass alone (1 dispatch, submit → done)`, () => dispatch(1))
  await time(`${label} pass ×10 in one submit (÷10 = kernel time)`, () => dispatch(10))
  const staging = device.createBuffer({ size: 8 * rows * k, usage: USAGE_MAP_READ | USAGE_COPY_DST })
  await time(`${label} read-back alone (copy ${(8 * rows * k) / 2 ** 20} MiB, mapAsync, one copy out)`, async () => {
    const encoder = device.createCommandEncoder()
    encoder.copyBufferToBuffer(out, 0, staging, 0, 8 * rows * k)
    device.queue.submit([encoder.finish()])
    await staging.mapAsync(MAP_MODE_READ, 0, 8 * rows * k)
    staging.getMappedRange(0, 8 * rows * k).slice(0)
    staging.unmap()
  })
  for (const b of [out, biasBuffer, params, staging]) b.destroy()
}

// simulate_zipf's parts: the host's per-call preparation, and the sampler pass alone.
await time('zipf host part: validate-free headMass + tables for 58 layers', () => {
  for (const w of zipfWeights) headMass(w, E, k - 1)
  categoricalTables(zipfWeights, E)
})
{
  const module = device.createShaderModule({ code: samplerPassSource({ draw: 'categorical_rejection', numExperts: E, k, maxTries: 64, output: 'counts' }) })
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } })
  const totalRows = 4096 * 58
  const table = device.createBuffer({ size: 4 * 58 * E, usage: USAGE_STORAGE | USAGE_COPY_DST })
  device.queue.writeBuffer(table, 0, categoricalTables(zipfWeights, E).cdf)
  const counts = device.createBuffer({ size: 4 * (58 * E + 1), usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST })
  const params = device.createBuffer({ size: 32, usage: USAGE_UNIFORM | USAGE_COPY_DST })
  const { x, y, width } = dispatchFor(totalRows, 64)
  device.queue.writeBuffer(params, 0, new Uint32Array([totalRows, 4096, width, 12345, 58 * E, 0, 0, 0]))
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: params } },
      { binding: 1, resource: { buffer: table } },
      { binding: 2, resource: { buffer: counts } },
    ],
  })
  await time('zipf sampler pass ×10 in one submit (÷10 = kernel time)', () => {
    const encoder = device.createCommandEncoder()
    for (let i = 0; i < 10; i++) {
      const pass = encoder.beginComputePass()
      pass.setPipeline(pipeline)
      pass.setBindGroup(0, bindGroup)
      pass.dispatchWorkgroups(x, y)
      pass.end()
    }
    device.queue.submit([encoder.finish()])
    return device.queue.onSubmittedWorkDone()
  })
  for (const b of [table, counts, params]) b.destroy()
}
// The kernel backend's topK on host logits (webgpu: upload through a reused mapped buffer, then the router pass).
await time('softmax topK on host logits (backend.topK: upload 64 MiB, pass, ids + winners + normaliser back)', () =>
  backend.topK(logits, rows, E, { k, scoring: 'softmax', normalizer: false, needWeights: false }),
)
await time('zipf sampleCounts, after the routers', zipf)
await resident.sampleIds({ kind: 'uniform_distinct', rows: 1 << 20, numExperts: E, k, seed: 3 })
await time('zipf sampleCounts, after a 1M×8 sampleIds read-back', zipf)
await time('uniform_distinct sampleIds 1M×8 (int32 ids read back)', () =>
  resident.sampleIds({ kind: 'uniform_distinct', rows: 1 << 20, numExperts: E, k, seed: 3 }),
)
await time('zipf sampleCounts, again', zipf)
onDevice.dispose()
backend.dispose()
process.exit(0)
