import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, createReferenceBackend } from '@routesim/core'
import { chiSquareTest } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'
import { createNodeWebGpu } from './node-webgpu.ts'

// Runs where a WebGPU adapter exists (CI: SwiftShader, see conformance-webgpu.test.ts for the policy).
const backend = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu(), referenceHandoff: false }).catch(
  (error: unknown) => {
    if (process.env.ROUTESIM_REQUIRE_WEBGPU === '1') throw error
    console.warn(`Skipping device-resident tests: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  },
)
const reference = createReferenceBackend()

describe.skipIf(backend === undefined)('webgpu device-resident routing', () => {
  const zipf = (E: number, shift: number) => Float64Array.from({ length: E }, (_, j) => 1 / (((j + shift) % E) + 1))

  it('exists only on webgpu', async () => {
    expect(backend!.resident).toBeDefined()
    const cpu = await createGpuBackend({ mode: 'cpu' })
    expect(cpu.resident).toBeUndefined()
    cpu.dispose()
  })

  it('sampleIds: device-unpacked ids equal the ones counted by sampleCounts, per layer', async () => {
    const options = { kind: 'categorical_distinct' as const, rows: 1000, numExperts: 64, k: 8, layers: 3, weights: [zipf(64, 0), zipf(64, 5), zipf(64, 17)], seed: 4 }
    const ids = await backend!.resident!.sampleIds(options)
    const counts = await backend!.resident!.sampleCounts(options)
    expect(ids.length).toBe(3 * 1000 * 8)
    for (let l = 0; l < 3; l++) {
      const layerIds = ids.subarray(l * 8000, (l + 1) * 8000)
      expect(Array.from(counts.subarray(l * 64, (l + 1) * 64))).toEqual(Array.from(reference.histogram(layerIds, 64)))
      for (let r = 0; r < 1000; r++) expect(new Set(layerIds.subarray(r * 8, r * 8 + 8)).size).toBe(8)
    }
    expect(Array.from(await backend!.resident!.sampleCounts(options))).toEqual(Array.from(counts))
    expect(Array.from(await backend!.resident!.sampleCounts({ ...options, seed: 5 }))).not.toEqual(Array.from(counts))
  })

  it('sampleCounts: uniform_distinct counts are uniform (χ²), every kind sums to rows × k per layer', async () => {
    const E = 32
    const counts = await backend!.resident!.sampleCounts({ kind: 'uniform_distinct', rows: 4000, numExperts: E, k: 4, layers: 2, seed: 1 })
    for (let l = 0; l < 2; l++) {
      const layer = Float64Array.from(counts.subarray(l * E, (l + 1) * E))
      expect(layer.reduce((a, b) => a + b, 0)).toBe(16_000)
      expect(chiSquareTest(layer, new Float64Array(E).fill(16_000 / E)).pValue).toBeGreaterThan(1e-4)
    }
    const iid = await backend!.resident!.sampleCounts({ kind: 'uniform_iid', rows: 999, numExperts: 16, k: 3, seed: 2 })
    expect(iid.reduce((a, b) => a + b, 0)).toBe(2997)
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
