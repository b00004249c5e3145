import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { createPrng, InvalidArgumentError } from '@routesim/core'
import { createLookupTable, createWeightedDistinctSampler } from './weighted-distinct.ts'
import { plackettLuceInclusion } from './plackett-luce.ts'
import { chiSquareTest } from './special-functions.ts'

const SEEDS = 40
const MAX_REJECTIONS = 3 // of 40 at α = 0.01 (expected 0.4)

function countRejections(run: (seed: number) => number): number {
  let r = 0
  for (let seed = 0; seed < SEEDS; seed++) if (run(seed) < 0.01) r++
  return r
}

describe('createWeightedDistinctSampler (Plackett–Luce without replacement)', () => {
  it('rows hold k distinct items and never a zero-weight item', () => {
    const w = [0, 5, 1, 0, 2, 2, 1, 9, 0.1, 0]
    const s = createWeightedDistinctSampler(w)
    const ids = s.sampleRows(createPrng(1), 2000, 6)
    for (let r = 0; r < 2000; r++) {
      const row = Array.from(ids.subarray(r * 6, r * 6 + 6))
      expect(new Set(row).size).toBe(6)
      for (const id of row) expect(w[id]).toBeGreaterThan(0)
    }
  })

  // Both code paths (alias + rejection, and sequential fallback) must realise the same law.
  for (const [label, fallbackMass] of [
    ['alias rejection', 1],
    ['sequential fallback', 0],
    ['mixed (default 0.5)', 0.5],
  ] as const) {
    it(`${label}: ordered first two draws follow p_i · p_j / (1 − p_i) (χ² over ${SEEDS} seeds)`, () => {
      const w = [6, 3, 2, 1, 1, 0.5, 0.5]
      const total = w.reduce((a, b) => a + b, 0)
      const p = w.map((x) => x / total)
      const cells = w.length * w.length
      const expected = new Float64Array(cells)
      for (let i = 0; i < w.length; i++) for (let j = 0; j < w.length; j++) if (i !== j) expected[i * w.length + j] = (p[i]! * p[j]!) / (1 - p[i]!)
      const s = createWeightedDistinctSampler(w, { fallbackMass })
      const rejections = countRejections((seed) => {
        const ids = s.sampleRows(createPrng(seed, label), 4000, 3)
        const obs = new Float64Array(cells)
        for (let r = 0; r < 4000; r++) obs[ids[r * 3]! * w.length + ids[r * 3 + 1]!]! += 1
        return chiSquareTest(obs, expected).pValue
      })
      expect(rejections).toBeLessThanOrEqual(MAX_REJECTIONS)
    })
  }

  it('per-item frequencies match the exact PL inclusion probabilities (zipf s=1.2, E=64, k=8)', () => {
    const E = 64
    const k = 8
    const w = Array.from({ length: E }, (_, i) => (i + 1) ** -1.2)
    const pi = plackettLuceInclusion(w, k)
    const probs = Float64Array.from(pi, (v) => v / k)
    const s = createWeightedDistinctSampler(w)
    const rejections = countRejections((seed) => {
      const ids = s.sampleRows(createPrng(seed, 'zipf'), 3000, k)
      const counts = new Float64Array(E)
      for (const id of ids) counts[id]! += 1
      return chiSquareTest(counts, probs).pValue
    })
    expect(rejections).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('the same PRNG state gives the same rows', () => {
    const s = createWeightedDistinctSampler([1, 2, 3, 4, 5, 6])
    expect(s.sampleRows(createPrng(9), 100, 4)).toEqual(s.sampleRows(createPrng(9), 100, 4))
  })

  it('excluded items are never drawn and the rest follow PL over what remains', () => {
    const w = [4, 3, 2, 1, 1, 1]
    const s = createWeightedDistinctSampler(w)
    const prng = createPrng(3)
    const out = new Int32Array(2)
    const counts = new Float64Array(w.length)
    for (let r = 0; r < 20000; r++) {
      s.sampleRow(prng, out, 0, 2, [0, 2])
      expect(out[0]).not.toBe(0)
      expect(out[1]).not.toBe(2)
      expect(out[0]).not.toBe(out[1])
      counts[out[0]!]! += 1
      counts[out[1]!]! += 1
    }
    const pi = plackettLuceInclusion([0, 3, 0, 1, 1, 1], 2)
    expect(
      chiSquareTest(
        counts,
        Float64Array.from(pi, (v) => v / 2),
      ).pValue,
    ).toBeGreaterThan(1e-4)
  })

  it('rejects k larger than the number of non-zero weights, and bad weights', () => {
    const s = createWeightedDistinctSampler([1, 0, 2, 0])
    expect(() => s.sampleRows(createPrng(0), 1, 3)).toThrow(InvalidArgumentError)
    expect(() => s.sampleRows(createPrng(0), 1, 3)).toThrow(/non-zero weight/)
    expect(() => s.sampleRow(createPrng(0), new Int32Array(2), 0, 2, [0])).toThrow(/excluded/)
    expect(() => createWeightedDistinctSampler([1, Number.NaN])).toThrow(/weights\[1\]/)
    expect(() => createWeightedDistinctSampler([0, 0])).toThrow(InvalidArgumentError)
    expect(() => createWeightedDistinctSampler([1], { fallbackMass: 2 })).toThrow(/fallbackMass/)
  })

  it('extreme skew (one item holds 1 − 1e-12) still terminates and stays exact in law', () => {
    const w = [1, 1e-12, 1e-12, 1e-12]
    const s = createWeightedDistinctSampler(w)
    const ids = s.sampleRows(createPrng(5), 1000, 4)
    for (let r = 0; r < 1000; r++) expect(ids[r * 4]).toBe(0)
  })
})

describe('sampleRows: the flat bulk path (top-k mass below the fallback mass)', () => {
  it('every item keeps its probability when a call draws more than one block of words (k = 1, uniform)', () => {
    // A block sized past its buffer once read missing words as cell 0: item 0 came out ~3× too often.
    const s = createWeightedDistinctSampler(new Float64Array(256).fill(1))
    const rejections = countRejections((seed) => {
      const ids = s.sampleRows(createPrng(seed, 'blocks'), 20000, 1)
      const counts = new Float64Array(256)
      for (const id of ids) counts[id]! += 1
      return chiSquareTest(counts, new Float64Array(256).fill(1 / 256)).pValue
    })
    expect(rejections).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('ordered pairs follow p_i · p_j / (1 − p_i) with rows dealt from one stream (χ²)', () => {
    const w = [5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1] // top-2 mass 0.36 < 0.5: the flat path
    const n = w.length
    const total = w.reduce((a, b) => a + b, 0)
    const p = w.map((x) => x / total)
    const expected = new Float64Array(n * n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) expected[i * n + j] = (p[i]! * p[j]!) / (1 - p[i]!)
    const s = createWeightedDistinctSampler(w)
    const rejections = countRejections((seed) => {
      const ids = s.sampleRows(createPrng(seed, 'pairs'), 6000, 2)
      const obs = new Float64Array(n * n)
      for (let r = 0; r < 6000; r++) obs[ids[2 * r]! * n + ids[2 * r + 1]!]! += 1
      return chiSquareTest(obs, expected).pValue
    })
    expect(rejections).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('per-item frequencies match the exact PL inclusion probabilities (zipf s=1, E=256, k=8: simulate_zipf)', () => {
    const E = 256
    const k = 8
    const w = Array.from({ length: E }, (_, i) => 1 / (i + 1))
    const probs = Float64Array.from(plackettLuceInclusion(w, k), (v) => v / k)
    const s = createWeightedDistinctSampler(w)
    const rejections = countRejections((seed) => {
      const ids = s.sampleRows(createPrng(seed, 'zipf-256'), 4096, k)
      const counts = new Float64Array(E)
      for (const id of ids) counts[id]! += 1
      return chiSquareTest(counts, probs).pValue
    })
    expect(rejections).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('a row still open after a whole block of draws finishes with exact sequential draws', () => {
    // fallbackMass 1 keeps this on the flat path although the second slot is almost never drawn.
    const s = createWeightedDistinctSampler([1, 1e-9, 1e-9, 1e-9], { fallbackMass: 1 })
    const ids = s.sampleRows(createPrng(2), 1200, 2)
    const second = new Float64Array(3)
    for (let r = 0; r < 1200; r++) {
      expect(ids[2 * r]).toBe(0)
      second[ids[2 * r + 1]! - 1]! += 1
    }
    expect(chiSquareTest(second, [1 / 3, 1 / 3, 1 / 3]).pValue).toBeGreaterThan(1e-4)
  })
})

describe('createLookupTable (the 16-bit path of sampleRows)', () => {
  it('table cells plus the remainder alias represent p exactly (to double precision)', () => {
    for (const weights of [
      [1, 1, 1],
      Array.from({ length: 256 }, (_, r) => 1 / (r + 1)),
      Array.from({ length: 3000 }, (_, r) => (r % 7) + 0.1),
      [0, 5, 0, 1e-9, 3],
    ]) {
      const total = weights.reduce((a, b) => a + b, 0)
      const p = Float64Array.from(weights, (w) => w / total)
      const t = createLookupTable(p)
      const mass = new Float64Array(p.length)
      // Cells from `direct` on hold no item: they send the draw to the remainder.
      const sentinelCells = t.cells.length - t.direct
      for (let cell = 0; cell < t.direct; cell++) mass[t.cells[cell]!] = mass[t.cells[cell]!]! + 2 ** -t.bits
      if (sentinelCells > 0) {
        const rest = sentinelCells * 2 ** -t.bits
        const r = t.remainder!
        for (let i = 0; i < p.length; i++) mass[i] = mass[i]! + rest * r.probabilities[i]!
      }
      for (let i = 0; i < p.length; i++) expect(Math.abs(mass[i]! - p[i]!)).toBeLessThan(1e-15)
    }
  })

  it('sampleRows (table path) and sampleRow (alias path) realise the same first-slot law (χ²)', () => {
    const w = Array.from({ length: 300 }, (_, r) => (r + 1) ** -0.7)
    const s = createWeightedDistinctSampler(w)
    const total = w.reduce((a, b) => a + b, 0)
    const rejections = countRejections((seed) => {
      const ids = s.sampleRows(createPrng(seed, 'table'), 5000, 2)
      const first = new Float64Array(300)
      for (let r = 0; r < 5000; r++) first[ids[2 * r]!]! += 1
      return chiSquareTest(
        first,
        w.map((x) => x / total),
      ).pValue
    })
    expect(rejections).toBeLessThanOrEqual(MAX_REJECTIONS)
  })
})

describe('Plackett–Luce rows: laws for arbitrary weights (property tests)', () => {
  test.prop(
    [
      fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom(3, 400), // per-draw alias path and bulk lookup-table path
      fc.integer({ min: 0, max: 1000 }),
    ],
    { numRuns: 60 },
  )('every row holds k distinct items, all with positive weight', (weights, k0, rows, seed) => {
    const support = weights.filter((w) => w > 0).length
    fc.pre(support > 0)
    const k = Math.min(k0, support)
    const ids = createWeightedDistinctSampler(weights).sampleRows(createPrng(seed), rows, k)
    for (let r = 0; r < rows; r++) {
      const row = ids.subarray(r * k, r * k + k)
      expect(new Set(row).size).toBe(k)
      for (const id of row) expect(weights[id]).toBeGreaterThan(0)
    }
  })
})

describe('sampleRows output is pinned', () => {
  /** FNV-1a over the bytes: a short fingerprint of exact output. */
  function fingerprint(a: Int32Array): string {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    let h = 0x811c9dc5
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
    return (h >>> 0).toString(16).padStart(8, '0')
  }

  // What the sampler gave before its dealing loops were rewritten (main 2a8da11): k a power of two (rows tagged by
  // their last slot) and not (k = 6), a second bulk call on the same sampler, then the per-row path; stream end too.
  it.each([
    [256, 1, 8, 4096, '22e53e60 7e59a8f0 fb561ae9 196592371'],
    [64, 1.2, 4, 3000, 'c79323bc 12783c61 67fe3bdf 151096832'],
    [300, 0.8, 16, 1500, 'f59fca42 fad2345a 7daec68e 1678766575'],
    [40, 1, 2, 5000, 'b0de3eb9 bc1be938 6ef4bc64 4053164655'],
    [256, 1, 6, 2000, '7e2514e0 edf40767 5b4ea3c0 3065672134'],
  ] as const)('zipf(%d experts, s = %d), k = %d, %d rows', (n, s, k, rows, expected) => {
    const sampler = createWeightedDistinctSampler(Float64Array.from({ length: n }, (_, r) => (r + 1) ** -s))
    const prng = createPrng(`wd-${n}-${k}`)
    const a = sampler.sampleRows(prng, rows, k)
    const b = sampler.sampleRows(prng, 700, k)
    const c = sampler.sampleRows(prng, 3, k)
    expect(`${fingerprint(a)} ${fingerprint(b)} ${fingerprint(c)} ${prng.nextUint32()}`).toBe(expected)
  })
})
