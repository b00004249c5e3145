import { test as fcTest } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BackendUnavailableError, InvalidLogitsError, createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { TopKOptions } from '@routesim/core'
import { createWasmBackend } from './create-wasm-backend.ts'
import { WASM_CHUNK_FLOATS } from './wasm-top-k.ts'

const reference = createReferenceBackend()
const backend = await createWasmBackend()

function normals(n: number, seed: number): Float32Array {
  const prng = createPrng(seed, 'wasm-test')
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - prng.nextDouble())) * Math.cos(2 * Math.PI * prng.nextDouble())
  return out
}

function expectSameAsReference(logits: Float32Array, rows: number, cols: number, options: TopKOptions): void {
  const expected = reference.topK(logits, rows, cols, options)
  const actual = backend.topK(logits, rows, cols, options)
  expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn: 'kernel' })
  expect(actual.ids).toEqual(expected.ids)
  expect(actual.weights).toEqual(expected.weights)
  expect(actual.winnerLogits).toEqual(Float32Array.from(expected.ids, (id, i) => logits[Math.floor(i / options.k) * cols + id]!))
}

describe('wasm top-k', () => {
  it('golden: softmax top-2 of [1, 2, 3, 4] → ids [3, 2]', () => {
    const { ids, weights } = backend.topK(new Float32Array([1, 2, 3, 4]), 1, 4, { k: 2, scoring: 'softmax' })
    expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn: 'kernel' })
    expect(Array.from(ids)).toEqual([3, 2])
    expect(weights[0]).toBeCloseTo(0.643914, 6)
    expect(weights[1]).toBeCloseTo(0.236883, 6)
  })

  it('equals the reference bit for bit on DeepSeek-sized rows (E = 256, k = 8), across chunk boundaries', () => {
    const cols = 256
    const rows = Math.ceil((3 * WASM_CHUNK_FLOATS) / cols) + 7
    const logits = normals(rows * cols, 1)
    for (const scoring of ['softmax', 'sigmoid', 'logits'] as const) expectSameAsReference(logits, rows, cols, { k: 8, scoring })
  })

  it('wide rows (E = 100,003: one row per chunk, an odd tail) equal the reference, plain and with a bias', () => {
    const cols = 100_003
    const logits = normals(3 * cols, 6)
    expectSameAsReference(logits, 3, cols, { k: 8, scoring: 'softmax' })
    // The sigmoid kernel needs groups of a multiple of 4 experts: 100,000.
    const wide = 100_000
    const bias = normals(wide, 7).map((x) => 0.01 * x)
    const options: TopKOptions = { k: 8, scoring: 'sigmoid', bias }
    const biased = normals(3 * wide, 8)
    const actual = backend.topK(biased, 3, wide, options)
    expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn: 'kernel' })
    expect(actual.ids).toEqual(reference.topK(biased, 3, wide, options).ids)
    expect(actual.weights).toEqual(reference.topK(biased, 3, wide, options).weights)
  })

  it('ties go to the lower id, also past 16 candidates (the insertion path) and with −0 beside +0', () => {
    const cols = 64
    const rows = 50
    const logits = new Float32Array(rows * cols)
    const prng = createPrng(2, 'ties')
    // Few distinct values: many rows have more than 16 values at or above the bound.
    for (let i = 0; i < logits.length; i++) logits[i] = prng.nextInt(3) - 1
    for (let i = 0; i < logits.length; i += 7) if (logits[i] === 0) logits[i] = -0
    for (const k of [1, 3, 8, 16, 17, 64]) expectSameAsReference(logits, rows, cols, { k, scoring: 'logits' })
  })

  fcTest.prop([
    fc.integer({ min: 1, max: 70 }),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.constantFrom('softmax', 'sigmoid', 'logits'),
    fc.boolean(),
  ])('law: ids and weights equal the reference for any shape (odd widths, k up to E, quantised values)', (cols, rows, kRaw, seed, scoring, quantise) => {
    const k = 1 + (kRaw % cols)
    let logits = normals(rows * cols, seed)
    if (quantise) logits = logits.map((x) => Math.round(x * 2) / 2)
    expectSameAsReference(logits, rows, cols, { k, scoring })
  })

  it('finds the first non-finite logit in row order, as the reference does', () => {
    const cols = 256
    const rows = 600
    const logits = normals(rows * cols, 3)
    logits[400 * cols + 77] = Infinity
    logits[400 * cols + 3] = Number.NaN
    logits[512 * cols + 1] = -Infinity
    const run = (): unknown => {
      try {
        backend.topK(logits, rows, cols, { k: 8, scoring: 'softmax' })
      } catch (error) {
        return error
      }
      return undefined
    }
    const error = run()
    expect(InvalidLogitsError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ row: 400, column: 3 })
    expect(String((error as Error).message)).toContain('logits')
  })

  it('hands what no kernel covers to the reference, and says so', () => {
    const logits = normals(32 * 16, 4)
    const options: TopKOptions = { k: 4, scoring: 'softmax', grouping: { numGroups: 4, topkGroup: 2, groupScore: 'max' } }
    const actual = backend.topK(logits, 32, 16, options)
    expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn: 'reference' })
    expect(actual).toEqual(reference.topK(logits, 32, 16, options))
    // The reference's answer is the whole contract: the winners' logits and (softmax) the row normaliser.
    expect(Array.from(actual.winnerLogits)).toEqual(Array.from(actual.ids, (id, i) => logits[Math.floor(i / 4) * 16 + id]))
    expect(actual.normalizer?.max).toHaveLength(32)
  })

  it('needWeights: false leaves weights zero-filled and ids unchanged', () => {
    const logits = normals(10 * 32, 5)
    const { ids, weights } = backend.topK(logits, 10, 32, { k: 4, scoring: 'softmax', needWeights: false })
    expect(ids).toEqual(reference.topK(logits, 10, 32, { k: 4, scoring: 'softmax' }).ids)
    expect(weights.every((w) => w === 0)).toBe(true)
  })

  it('zero rows give empty outputs', () => {
    const { ids, weights } = backend.topK(new Float32Array(0), 0, 8, { k: 2, scoring: 'softmax' })
    expect(ids.length).toBe(0)
    expect(weights.length).toBe(0)
  })

  it('a disposed backend refuses work with BackendUnavailableError', async () => {
    const other = await createWasmBackend()
    other.dispose()
    let error: unknown
    try {
      other.topK(new Float32Array(4), 1, 4, { k: 1, scoring: 'logits' })
    } catch (e) {
      error = e
    }
    expect(BackendUnavailableError.isInstance(error)).toBe(true)
  })
})
