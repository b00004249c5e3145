import { describe, expect, it } from 'vitest'
import { BackendUnavailableError, InvalidArgumentError } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { chiSquareTest, compareTopK, createRandomLogits } from '@routesim/testing'
import type { TopKOptions } from '@routesim/core'
import { createGpuBackend } from './create-gpu-backend.ts'
import { createNodeWebGpu } from './node-webgpu.ts'

// Runs where a WebGPU adapter exists (CI: SwiftShader, see conformance-webgpu.test.ts for the policy).
const backend = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu(), referenceHandoff: false }).catch((error: unknown) => {
  if (process.env.ROUTESIM_REQUIRE_WEBGPU === '1') throw error
  console.warn(`Skipping device-resident tests: ${error instanceof Error ? error.message : String(error)}`)
  return undefined
})
const reference = createReferenceBackend()

describe.skipIf(backend === undefined)('webgpu: device-resident routing and large inputs', () => {
  const zipf = (E: number, shift: number) => Float64Array.from({ length: E }, (_, j) => 1 / (((j + shift) % E) + 1))

  it('exists only on webgpu, and refuses work once its backend is disposed', async () => {
    expect(backend!.resident).toBeDefined()
    const cpu = await createGpuBackend({ mode: 'cpu' })
    expect(cpu.resident).toBeUndefined()
    cpu.dispose()
    const other = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu(), referenceHandoff: false })
    other.dispose()
    const error = await other.resident!.sampleCounts({ kind: 'uniform_iid', rows: 8, numExperts: 4, k: 2, seed: 1 }).catch((e: unknown) => e)
    expect(BackendUnavailableError.isInstance(error)).toBe(true)
  })

  it('sampleIds: device-unpacked ids equal the ones counted by sampleCounts, per layer', async () => {
    const options = {
      kind: 'categorical_distinct' as const,
      rows: 1000,
      numExperts: 64,
      k: 8,
      layers: 3,
      weights: [zipf(64, 0), zipf(64, 5), zipf(64, 17)],
      seed: 4,
    }
    const ids = await backend!.resident!.sampleIds(options)
    expect(backend!.resident!.lastSample?.ranOn).toBe('webgpu')
    const counts = await backend!.resident!.sampleCounts(options)
    expect(backend!.resident!.lastSample).toEqual({ ranOn: 'webgpu', draw: 'gumbel_random' })
    expect(ids.length).toBe(3 * 1000 * 8)
    for (let l = 0; l < 3; l++) {
      const layerIds = ids.subarray(l * 8000, (l + 1) * 8000)
      expect(Array.from(counts.subarray(l * 64, (l + 1) * 64))).toEqual(Array.from(reference.histogram(layerIds, 64)))
      for (let r = 0; r < 1000; r++) expect(new Set(layerIds.subarray(r * 8, r * 8 + 8)).size).toBe(8)
    }
    expect(Array.from(await backend!.resident!.sampleCounts(options))).toEqual(Array.from(counts))
    expect(Array.from(await backend!.resident!.sampleCounts({ ...options, seed: 5 }))).not.toEqual(Array.from(counts))
  })

  it('a call gives the same result whatever ran before it (buffers grown by a larger call are reused)', async () => {
    const small = { kind: 'categorical_distinct' as const, rows: 300, numExperts: 64, k: 4, layers: 2, weights: zipf(64, 3), seed: 9 }
    const counts = await backend!.resident!.sampleCounts(small)
    const ids = await backend!.resident!.sampleIds(small)
    await backend!.resident!.sampleIds({ kind: 'uniform_distinct', rows: 20_000, numExperts: 64, k: 8, layers: 3, seed: 2 })
    await backend!.resident!.sampleCounts({ kind: 'uniform_iid', rows: 5000, numExperts: 256, k: 6, layers: 4, seed: 3 })
    expect(Array.from(await backend!.resident!.sampleCounts(small))).toEqual(Array.from(counts))
    expect(Array.from(await backend!.resident!.sampleIds(small))).toEqual(Array.from(ids))
  })

  it('sampleCounts: uniform_distinct counts are uniform (χ²), every kind sums to rows × k per layer', async () => {
    const E = 32
    const counts = await backend!.resident!.sampleCounts({ kind: 'uniform_distinct', rows: 4000, numExperts: E, k: 4, layers: 2, seed: 1 })
    expect(backend!.resident!.lastSample).toEqual({ ranOn: 'webgpu', draw: 'uniform_rejection' })
    for (let l = 0; l < 2; l++) {
      const layer = Float64Array.from(counts.subarray(l * E, (l + 1) * E))
      expect(layer.reduce((a, b) => a + b, 0)).toBe(16_000)
      expect(chiSquareTest(layer, new Float64Array(E).fill(16_000 / E)).pValue).toBeGreaterThan(1e-4)
    }
    const iid = await backend!.resident!.sampleCounts({ kind: 'uniform_iid', rows: 999, numExperts: 16, k: 3, seed: 2 })
    expect(iid.reduce((a, b) => a + b, 0)).toBe(2997)
  })

  it('topK on uploaded logits matches the reference (ids up to float32 ties, weights 1e-6), weights computed on the device', async () => {
    const rows = 300
    const cols = 64
    const logits = createRandomLogits(21, rows, cols, 1.5)
    const bias = createRandomLogits(22, 1, cols, 0.05)
    const resident = await backend!.resident!.uploadLogits(logits, rows, cols)
    try {
      const cases: TopKOptions[] = [
        { k: 8, scoring: 'softmax' },
        { k: 13, scoring: 'sigmoid', bias },
        { k: 8, scoring: 'sigmoid', bias, grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' } },
        { k: 3, scoring: 'logits', grouping: { numGroups: 4, topkGroup: 1, groupScore: 'max', maskValue: 0 } },
        { k: 8, scoring: 'softmax', needWeights: false },
      ]
      for (const options of cases) {
        const candidate = await backend!.resident!.topK(resident, options)
        const { problems } = compareTopK({
          logits,
          rows,
          cols,
          options,
          reference: reference.topK(logits, rows, cols, options),
          candidate,
          idsAndWeightsOnly: true,
        })
        expect(problems, JSON.stringify({ ...options, bias: undefined })).toEqual([])
      }
    } finally {
      resident.dispose()
    }
    const error = await backend!.resident!.topK(resident, { k: 2, scoring: 'softmax' }).catch((e: unknown) => e)
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
  })

  it('randomLogits: synthesized on the device, deterministic per seed, roughly N(0, scale²)', async () => {
    const a = await backend!.resident!.randomLogits({ rows: 512, cols: 32, seed: 3, scale: 2 })
    const b = await backend!.resident!.randomLogits({ rows: 512, cols: 32, seed: 3, scale: 2 })
    try {
      const ta = await backend!.resident!.topK(a, { k: 4, scoring: 'logits' })
      const tb = await backend!.resident!.topK(b, { k: 4, scoring: 'logits' })
      expect(Array.from(tb.ids)).toEqual(Array.from(ta.ids))
      expect(Array.from(tb.weights)).toEqual(Array.from(ta.weights))
      // The best of 32 draws of N(0, 4) has mean ≈ 2 × 2.07.
      const mean = ta.weights.filter((_, i) => i % 4 === 0).reduce((s, v) => s + v, 0) / 512
      expect(mean).toBeGreaterThan(3.8)
      expect(mean).toBeLessThan(4.5)
    } finally {
      a.dispose()
      b.dispose()
    }
  })

  it('plain topK (host logits, on the router pass) past one dispatch dimension (70,000 rows) matches the reference', async () => {
    const rows = 70_000
    const cols = 32
    const logits = createRandomLogits(51, rows, cols, 1.5)
    const options: TopKOptions = { k: 4, scoring: 'softmax' }
    const candidate = await backend!.topK(logits, rows, cols, options)
    expect(backend!.lastRun?.kernel).toEqual({ gpuJsMode: 'webgpu', path: 'wgsl-router-pass' })
    const { problems } = compareTopK({
      logits,
      rows,
      cols,
      options,
      reference: reference.topK(logits, rows, cols, options),
      candidate,
      idsAndWeightsOnly: true,
    })
    expect(problems).toEqual([])
  })

  it('plain topK checks the logits on the device: a NaN throws the reference error, a value beyond ±1e30 hands off', async () => {
    const rows = 300
    const cols = 64
    const options: TopKOptions = { k: 4, scoring: 'sigmoid' }
    const clean = createRandomLogits(81, rows, cols, 1)
    await backend!.topK(clean, rows, cols, options)
    expect(backend!.lastRun?.ranOn).toBe('kernel')
    const huge = clean.slice()
    huge[200 * cols + 7] = -2e30
    const handedOff = await backend!.topK(huge, rows, cols, options)
    expect(backend!.lastRun).toMatchObject({ ranOn: 'reference', reason: 'logits beyond ±1e30' })
    expect(Array.from(handedOff.ids)).toEqual(Array.from(reference.topK(huge, rows, cols, options).ids))
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY]) {
      const broken = huge.slice()
      broken[250 * cols + 3] = Number.POSITIVE_INFINITY
      broken[120 * cols + 9] = bad
      const error = await backend!.topK(broken, rows, cols, options).catch((e: unknown) => e)
      const expected = (() => {
        try {
          reference.topK(broken, rows, cols, options)
        } catch (e) {
          return e as Error
        }
        throw new Error('the reference accepted non-finite logits')
      })()
      expect((error as Error).message).toBe(expected.message)
    }
  })

  it('rejects bad options with typed errors', async () => {
    const bad = [
      { kind: 'uniform_distinct', rows: 10, numExperts: 8, k: 9, seed: 1 },
      { kind: 'uniform_distinct', rows: 10, numExperts: 8, k: 2, layers: 0, seed: 1 },
      { kind: 'categorical_distinct', rows: 10, numExperts: 8, k: 2, layers: 2, weights: [new Float64Array(8).fill(1)], seed: 1 },
    ]
    for (const options of bad) {
      const error = await backend!.resident!.sampleCounts(options as never).catch((e: unknown) => e)
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(options)).toBe(true)
    }
  })
})
