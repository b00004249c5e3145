import { test as fcTest } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidLogitsError, createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { TopKOptions } from '@routesim/core'
import { createWasmBackend } from './create-wasm-backend.ts'
import { instantiateKernels, kernelModuleBytes } from './kernel-instance.ts'
import { SIGMOID_APPROX_BOUND, WASM_MAX_BIAS } from './wasm-sigmoid-top-k.ts'
import { WASM_CHUNK_FLOATS, ensureMemory } from './wasm-top-k.ts'

const reference = createReferenceBackend()
const backend = await createWasmBackend()

function normals(n: number, seed: number, scale = 1): Float32Array {
  const prng = createPrng(seed, 'wasm-sigmoid-test')
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(1 - prng.nextDouble())) * Math.cos(2 * Math.PI * prng.nextDouble())
  return out
}

function deepSeekV3(bias: Float32Array): TopKOptions {
  return { k: 8, scoring: 'sigmoid', bias, grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' } }
}

function expectExact(logits: Float32Array, rows: number, cols: number, options: TopKOptions): string {
  const winners = new Float32Array(rows * options.k)
  const expected = reference.topK(logits, rows, cols, options)
  const actual = backend.topK(logits, rows, cols, options)
  expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn: 'kernel' })
  expect(actual.ids).toEqual(expected.ids)
  expect(actual.weights).toEqual(expected.weights)
  for (let i = 0; i < winners.length; i++) winners[i] = logits[Math.floor(i / options.k) * cols + expected.ids[i]!]!
  expect(actual.winnerLogits).toEqual(winners)
  return backend.lastRun!.reason
}

describe('wasm sigmoid top-k (bias, groups)', () => {
  it('the f32 sigmoid stays within a quarter of its stated bound over a dense sweep, tails included', async () => {
    const kernels = await instantiateKernels(kernelModuleBytes())
    const n = 1 << 20
    const xs = new Float32Array(n)
    for (let i = 0; i < n; i++) xs[i] = -100 + (200 * i) / n
    xs.set([-1e30, -88.8, -87, -0, 0, 1e-30, 87, 88.8, 1e30], 0)
    const inPtr = (kernels.scratchBase() + 15) & ~15
    const outPtr = inPtr + n * 4
    ensureMemory(kernels, outPtr + n * 4)
    new Float32Array(kernels.memory.buffer).set(xs, inPtr >> 2)
    kernels.sigmoidApprox(inPtr, n, outPtr)
    const approx = new Float32Array(kernels.memory.buffer, outPtr, n)
    let worst = 0
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(approx[i]! - 1 / (1 + Math.exp(-xs[i]!))))
    expect(worst).toBeLessThan(SIGMOID_APPROX_BOUND / 4)
  })

  it('the bound matters: rows built so that the f32 sigmoid alone would rank two experts the wrong way are still exact', async () => {
    // Search pairs (a, b) whose exact order σ(xa) vs σ(xb) + bias differs from the kernel's f32 order.
    const kernels = await instantiateKernels(kernelModuleBytes())
    const prng = createPrng(21, 'adversarial')
    const n = 1 << 14
    const xs = new Float32Array(2 * n)
    for (let i = 0; i < xs.length; i++) xs[i] = Math.fround(-3 + 6 * prng.nextDouble())
    const inPtr = (kernels.scratchBase() + 15) & ~15
    ensureMemory(kernels, inPtr + 16 * n)
    new Float32Array(kernels.memory.buffer).set(xs, inPtr >> 2)
    kernels.sigmoidApprox(inPtr, 2 * n, inPtr + 8 * n)
    const approx = new Float32Array(kernels.memory.buffer, inPtr + 8 * n, 2 * n)
    const sigma = (x: number) => 1 / (1 + Math.exp(-x))
    const pairs: [number, number, number][] = []
    for (let i = 0; i < n && pairs.length < 64; i++) {
      const xa = xs[2 * i]!
      const xb = xs[2 * i + 1]!
      for (const nudge of [-2, -1, 0, 1, 2]) {
        const bb = Math.fround(sigma(xa) - sigma(xb) + nudge * 2 ** -26)
        const exact = Math.sign(sigma(xa) - (sigma(xb) + bb))
        const f32 = Math.sign(approx[2 * i]! - Math.fround(approx[2 * i + 1]! + bb))
        if (exact !== 0 && f32 !== 0 && exact !== f32) pairs.push([xa, xb, bb])
      }
    }
    expect(pairs.length).toBeGreaterThan(8)
    const cols = 8
    const logits = new Float32Array(pairs.length * cols).fill(-20)
    const bias = new Float32Array(cols)
    // One bias per matrix: rows share expert 1's bias, so each pair gets its own call.
    for (const [xa, xb, bb] of pairs) {
      logits.fill(-20, 0, cols)
      logits[0] = xa
      logits[1] = xb
      bias[1] = bb
      // k = 1: which of the two wins; k = 2: both win, in which order.
      expectExact(logits.subarray(0, cols), 1, cols, { k: 1, scoring: 'sigmoid', bias })
      expectExact(logits.subarray(0, cols), 1, cols, { k: 2, scoring: 'sigmoid', bias })
    }
  })

  it('DeepSeek-V3 routing (E = 256, 8 groups, 4 kept, top-2 sums, bias) equals the reference bit for bit, across chunks', () => {
    const cols = 256
    const rows = Math.ceil((2 * WASM_CHUNK_FLOATS) / cols) + 5
    const bias = normals(cols, 7, 0.1)
    const reason = expectExact(normals(rows * cols, 8), rows, cols, deepSeekV3(bias))
    expect(reason).toMatch(/sigmoid/)
  })

  it('near-ties and exact ties are redone exactly: quantised logits and a bias that repeats', () => {
    const cols = 64
    const rows = 400
    const logits = normals(rows * cols, 9).map((x) => Math.round(x * 4) / 4)
    const bias = Float32Array.from({ length: cols }, (_, j) => (j % 3) * 0.01)
    const reason = expectExact(logits, rows, cols, { k: 6, scoring: 'sigmoid', bias, grouping: { numGroups: 4, topkGroup: 2, groupScore: 'top2_sum' } })
    const redone = Number(/\((\d+) near-tie rows/.exec(reason)![1])
    expect(redone).toBeGreaterThan(0) // the ambiguous path really ran
    expect(redone).toBeLessThan(rows)
  })

  fcTest.prop([
    fc.constantFrom(1, 2, 4, 8),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.constantFrom<'none' | 'max' | 'top2_sum'>('none', 'max', 'top2_sum'),
    fc.constantFrom(0, 0.05, 3),
  ])(
    'law: ids, order and weights equal the reference for any grouping, k and bias scale',
    (numGroups, vecsPerGroup, topkGroupRaw, rows, seed, groupScore, biasScale) => {
      const groupSize = 4 * vecsPerGroup
      const cols = numGroups * groupSize
      const topkGroup = 1 + ((topkGroupRaw - 1) % numGroups)
      const grouped = groupScore !== 'none' && numGroups > 1
      const eligible = grouped ? topkGroup * groupSize : cols
      const k = 1 + (seed % Math.min(31, eligible - 1 || 1))
      if (k >= eligible) return
      const bias = biasScale === 0 && grouped ? undefined : normals(cols, seed + 1, biasScale)
      if (bias === undefined && !grouped) return
      const options: TopKOptions = {
        k,
        scoring: 'sigmoid',
        ...(bias ? { bias } : {}),
        ...(grouped ? { grouping: { numGroups, topkGroup, groupScore: groupScore as 'max' | 'top2_sum' } } : {}),
      }
      expectExact(normals(rows * cols, seed, 2), rows, cols, options)
    },
  )

  it('reports the first non-finite logit in row order', () => {
    const cols = 256
    const logits = normals(300 * cols, 10)
    logits[123 * cols + 200] = -Infinity
    logits[200 * cols + 5] = Number.NaN
    let error: unknown
    try {
      backend.topK(logits, 300, cols, deepSeekV3(normals(cols, 11, 0.1)))
    } catch (e) {
      error = e
    }
    expect(InvalidLogitsError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ row: 123, column: 200 })
  })

  it.each([
    ['a 0 mask (HF DeepSeek)', { grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum', maskValue: 0 } }],
    ['a top-3 group score (Megatron, k/topkGroup = 3)', { grouping: { numGroups: 8, topkGroup: 4, groupScore: 'topn_sum', groupTopN: 3 } }],
    ['a bias beyond WASM_MAX_BIAS', { bias: new Float32Array(256).fill(2 * WASM_MAX_BIAS) }],
    ['k + 1 > 32', { k: 32 }],
  ] as const)('hands %s to the reference', (_label, change) => {
    const options = { ...deepSeekV3(normals(256, 12, 0.1)), ...change } as TopKOptions
    const logits = normals(20 * 256, 13)
    const actual = backend.topK(logits, 20, 256, options)
    expect(backend.lastRun).toMatchObject({ operation: 'topK', ranOn: 'reference' })
    expect(actual).toEqual(reference.topK(logits, 20, 256, options))
  })
})
