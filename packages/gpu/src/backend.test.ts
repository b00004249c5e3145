import { describe, expect, it } from 'vitest'
import { BackendUnavailableError, InvalidArgumentError, InvalidLogitsError } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { compareTopK, createRandomLogits } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'
import { TOPK_REFERENCE_HANDOFF_ELEMENTS } from './thresholds.ts'

describe('createGpuBackend: modes', () => {
  it('rejects an unknown mode with InvalidArgumentError naming the modes', async () => {
    const error = await createGpuBackend({ mode: 'cuda' as never }).catch((e: unknown) => e)
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect((error as Error).message).toContain("'webasm'")
  })

  it('throws BackendUnavailableError for an explicit mode that cannot run here, listing what can', async () => {
    for (const mode of ['webgl', 'webgl2'] as const) {
      const error = await createGpuBackend({ mode }).catch((e: unknown) => e)
      expect(BackendUnavailableError.isInstance(error), mode).toBe(true)
      const e = error as BackendUnavailableError
      expect(e.mode).toBe(mode)
      expect(e.availableModes).toContain('cpu')
      expect(e.availableModes).toContain('webasm')
      expect(e.availableModes).not.toContain(mode)
    }
  })

  it("'webgpu' without navigator.gpu is unavailable and says how to get it", async () => {
    if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined) return
    const error = await createGpuBackend({ mode: 'webgpu' }).catch((e: unknown) => e)
    expect(BackendUnavailableError.isInstance(error)).toBe(true)
    expect((error as Error).message).toContain('@routesim/gpu/node')
  })

  it("'auto' says what it chose and why", async () => {
    const backend = await createGpuBackend()
    try {
      expect(['webgpu', 'webasm', 'cpu']).toContain(backend.mode)
      expect(backend.autoReason).toMatch(/webasm|webgpu|cpu/)
    } finally {
      backend.dispose()
    }
  })

  it('rejects bad options: threads, poolSize, referenceHandoff, an object that is not gpu.js', async () => {
    for (const options of [{ threads: 'yes' }, { poolSize: 0 }, { poolSize: 1.5 }, { referenceHandoff: 1 }, { gpu: { GPU: 1 } }]) {
      const error = await createGpuBackend({ mode: 'cpu', ...(options as object) }).catch((e: unknown) => e)
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(options)).toBe(true)
    }
  })

  it('takes an injected gpu.js module or loader (CJS default interop included)', async () => {
    const gpu = await import('gpu.js')
    for (const source of [gpu, () => gpu, () => ({ default: (gpu as { default?: unknown }).default ?? gpu })]) {
      const backend = await createGpuBackend({ mode: 'cpu', gpu: source as never })
      expect(backend.mode).toBe('cpu')
      backend.dispose()
    }
  })

  it("takes gpu.js's browser build, whose export is the GPU class itself (GPU.GPU, GPU.input)", async () => {
    // @ts-expect-error -- the UMD browser bundle has no type declarations
    const browserBuild = (await import('gpu.js/dist/gpu-browser.js')) as { default: unknown }
    const backend = await createGpuBackend({ mode: 'webasm', gpu: browserBuild.default as never, referenceHandoff: false, threads: false })
    try {
      const logits = createRandomLogits(61, 40, 16, 1.5)
      const out = await backend.topK(logits, 40, 16, { k: 3, scoring: 'sigmoid' })
      expect(backend.lastRun?.kernel?.gpuJsMode).toBe('webasm')
      expect(Array.from(out.ids)).toEqual(Array.from(createReferenceBackend().topK(logits, 40, 16, { k: 3, scoring: 'sigmoid' }).ids))
    } finally {
      backend.dispose()
    }
  })

  it('a disposed backend refuses work', async () => {
    const backend = await createGpuBackend({ mode: 'cpu' })
    backend.dispose()
    const error = await backend.sampleIds({ kind: 'uniform_iid', rows: 4, numExperts: 8, k: 2, seed: 1 }).catch((e: unknown) => e)
    expect(BackendUnavailableError.isInstance(error)).toBe(true)
  })
})

describe('createGpuBackend: where work runs', () => {
  const reference = createReferenceBackend()

  it('runs top-k in a kernel of the mode asked for, and hands small problems to the reference', async () => {
    for (const mode of ['cpu', 'webasm'] as const) {
      const backend = await createGpuBackend({ mode })
      try {
        const cols = 64
        const bigRows = Math.ceil(TOPK_REFERENCE_HANDOFF_ELEMENTS / cols) + 3
        const logits = createRandomLogits(7, bigRows, cols, 1.5)
        const out = await backend.topK(logits, bigRows, cols, { k: 4, scoring: 'softmax' })
        expect(backend.lastRun?.ranOn).toBe('kernel')
        expect(backend.lastRun?.kernel?.gpuJsMode).toBe(mode)
        expect(Array.from(out.ids)).toEqual(Array.from(reference.topK(logits, bigRows, cols, { k: 4, scoring: 'softmax' }).ids))

        await backend.topK(logits.subarray(0, 10 * cols), 10, cols, { k: 4, scoring: 'softmax' })
        expect(backend.lastRun?.ranOn).toBe('reference')
        expect(backend.lastRun?.reason).toContain('TOPK_REFERENCE_HANDOFF_ELEMENTS')
      } finally {
        backend.dispose()
      }
    }
  })

  it('webasm threads: large kernels run on the worker pool, bit-identical to the sync path', async () => {
    const threaded = await createGpuBackend({ mode: 'webasm', threads: true, poolSize: 2 })
    const sync = await createGpuBackend({ mode: 'webasm', threads: false })
    try {
      const options = {
        kind: 'categorical_distinct' as const,
        rows: 20_000,
        numExperts: 64,
        k: 6,
        seed: 9,
        weights: Float64Array.from({ length: 64 }, (_, j) => 1 / (j + 1)),
      }
      const a = await threaded.sampleIds(options)
      expect(threaded.lastRun?.kernel).toEqual({ gpuJsMode: 'webasm', path: 'threaded' })
      const b = await sync.sampleIds(options)
      expect(sync.lastRun?.kernel?.path).not.toBe('threaded')
      expect(Array.from(b)).toEqual(Array.from(a))
    } finally {
      threaded.dispose()
      sync.dispose()
    }
  })
})

describe('createGpuBackend: chunking', () => {
  it('splits rows into kernel calls of at most chunkRows with the same results as one call', async () => {
    const reference = createReferenceBackend()
    const whole = await createGpuBackend({ mode: 'webasm', threads: false, referenceHandoff: false })
    const chunked = await createGpuBackend({ mode: 'webasm', threads: false, referenceHandoff: false, chunkRows: 97 })
    try {
      const rows = 1001
      const logits = createRandomLogits(31, rows, 32, 1.5)
      const options = { k: 5, scoring: 'softmax' as const }
      const a = await whole.topK(logits, rows, 32, options)
      const b = await chunked.topK(logits, rows, 32, options)
      expect(Array.from(b.ids)).toEqual(Array.from(a.ids))
      expect(Array.from(b.weights)).toEqual(Array.from(a.weights))
      expect(Array.from(b.ids)).toEqual(Array.from(reference.topK(logits, rows, 32, options).ids))
      const ids = await chunked.sampleIds({ kind: 'uniform_distinct', rows, numExperts: 32, k: 5, seed: 2 })
      for (let r = 0; r < rows; r++) expect(new Set(ids.subarray(r * 5, r * 5 + 5)).size).toBe(5)
      // chunks draw from different streams: no two chunks repeat each other
      expect(Array.from(ids.subarray(0, 97 * 5))).not.toEqual(Array.from(ids.subarray(97 * 5, 2 * 97 * 5)))
    } finally {
      whole.dispose()
      chunked.dispose()
    }
    const error = await createGpuBackend({ mode: 'cpu', chunkRows: 0 }).catch((e: unknown) => e)
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
  })
})

describe('createGpuBackend: grouped top-k beyond the one-pass slot budget', () => {
  it('the two-pass form (18 groups × 8 slots > PER_GROUP_SLOT_BUDGET) matches the reference', async () => {
    const reference = createReferenceBackend()
    const backend = await createGpuBackend({ mode: 'webasm', threads: false, referenceHandoff: false })
    try {
      const rows = 200
      const cols = 144
      const logits = createRandomLogits(41, rows, cols, 1.5)
      const bias = createRandomLogits(42, 1, cols, 0.3).map((b) => b - 0.2)
      for (const options of [
        { k: 8, scoring: 'sigmoid' as const, bias, grouping: { numGroups: 18, topkGroup: 6, groupScore: 'top2_sum' as const } },
        { k: 8, scoring: 'softmax' as const, grouping: { numGroups: 18, topkGroup: 2, groupScore: 'max' as const, maskValue: 0 } },
      ]) {
        const candidate = await backend.topK(logits, rows, cols, options)
        expect(backend.lastRun?.ranOn).toBe('kernel')
        const { problems } = compareTopK({ logits, rows, cols, options, reference: reference.topK(logits, rows, cols, options), candidate })
        expect(problems).toEqual([])
      }
    } finally {
      backend.dispose()
    }
  })
})

describe('createGpuBackend: checksFiniteLogits', () => {
  it('claims it, and topK throws the reference error at the first non-finite logit (row order, then column)', async () => {
    const backend = await createGpuBackend({ mode: 'cpu', referenceHandoff: false })
    try {
      expect(backend.checksFiniteLogits).toBe(true)
      const rows = 40
      const cols = 32
      for (const k of [4, cols]) {
        const logits = createRandomLogits(71, rows, cols, 1)
        // a beyond-±1e30 value first (a hand-off, not an error), then NaN at (3, 5), then +∞ later
        logits[1 * cols + 2] = 5e30
        logits[3 * cols + 5] = Number.NaN
        logits[7 * cols + 1] = Number.POSITIVE_INFINITY
        const options = { k, scoring: 'softmax' as const }
        const error = await Promise.resolve()
          .then(() => backend.topK(logits, rows, cols, options))
          .catch((e: unknown) => e)
        const expected = (() => {
          try {
            createReferenceBackend().topK(logits, rows, cols, options)
          } catch (e) {
            return e
          }
          return undefined
        })()
        expect(InvalidLogitsError.isInstance(error)).toBe(true)
        expect((error as Error).message).toBe((expected as Error).message)
      }
    } finally {
      backend.dispose()
    }
  })
})
