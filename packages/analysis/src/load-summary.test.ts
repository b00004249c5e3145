import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { all, create } from 'mathjs'
import { InvalidArgumentError } from '@routesim/core'
import { coefficientOfVariation, gini, loadSummary, maxOverMean } from './load-summary.ts'

// mathjs types every bundle as possibly undefined; `all` is always defined at runtime.
const math = create(all!)

/** Gini straight from its definition Σ_i Σ_j |x_i − x_j| / (2 n² mean): an independent oracle. */
function giniByDefinition(x: number[]): number {
  const n = x.length
  const total = x.reduce((a, b) => a + b, 0)
  if (total === 0) return 0
  let s = 0
  for (const a of x) for (const b of x) s += Math.abs(a - b)
  return s / (2 * n * total)
}

const loadsArb = fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 64 })

describe('loadSummary', () => {
  it('matches hand-computed values', () => {
    const s = loadSummary([1, 2, 0, 1])
    expect(s).toMatchObject({ numExperts: 4, total: 4, min: 0, max: 2, mean: 1, maxOverMean: 2, minOverMean: 0, distinctExperts: 3 })
    expect(s.std).toBeCloseTo(Math.sqrt(0.5), 12)
    expect(s.cv).toBeCloseTo(Math.sqrt(0.5), 12)
    expect(s.gini).toBeCloseTo(0.375, 12) // Σ_i Σ_j |xi − xj| = 12 → 12 / (2·16·1)
    expect(s.entropy).toBeCloseTo(1.5, 12) // p = [¼, ½, 0, ¼]
    expect(s.normalizedEntropy).toBeCloseTo(0.75, 12)
  })

  it('gives the extreme values for one hot expert and for uniform load', () => {
    expect(gini([0, 0, 0, 4])).toBeCloseTo(0.75, 12)
    expect(maxOverMean([0, 0, 0, 4])).toBe(4)
    const u = loadSummary([5, 5, 5, 5])
    expect(u).toMatchObject({ gini: 0, cv: 0, maxOverMean: 1, minOverMean: 1, entropy: 2, normalizedEntropy: 1 })
  })

  it('defines all-zero loads as balanced rather than NaN', () => {
    expect(loadSummary([0, 0, 0])).toMatchObject({ maxOverMean: 1, minOverMean: 1, cv: 0, gini: 0, entropy: 0, distinctExperts: 0 })
    expect(Object.values(loadSummary([0, 0])).every(Number.isFinite)).toBe(true)
  })

  it('rejects empty, negative and non-finite loads', () => {
    expect(() => loadSummary([])).toThrow(InvalidArgumentError)
    expect(() => gini([1, -1])).toThrow(/counts\[1\]/)
    expect(() => maxOverMean([1, Number.POSITIVE_INFINITY])).toThrow(InvalidArgumentError)
    expect(() => loadSummary([Number.NaN])).toThrow(InvalidArgumentError)
  })

  test.prop([loadsArb])('gini agrees with the pairwise definition', (x) => {
    expect(gini(x)).toBeCloseTo(giniByDefinition(x), 10)
  })

  test.prop([loadsArb.filter((x) => x.some((v) => v > 0))])('cv agrees with mathjs population std / mean', (x) => {
    const expected = (math.std(x, 'uncorrected') as number) / (math.mean(x) as number)
    expect(coefficientOfVariation(x)).toBeCloseTo(expected, 10)
  })

  test.prop([loadsArb, fc.integer()])('is invariant under relabelling experts (max/mean, Gini, CV, entropy)', (x, seed) => {
    const permuted = [...x]
    let s = seed >>> 0
    for (let i = permuted.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      const j = s % (i + 1)
      ;[permuted[i], permuted[j]] = [permuted[j]!, permuted[i]!]
    }
    const a = loadSummary(x)
    const b = loadSummary(permuted)
    expect(b.maxOverMean).toBeCloseTo(a.maxOverMean, 12)
    expect(b.gini).toBeCloseTo(a.gini, 12)
    expect(b.cv).toBeCloseTo(a.cv, 12)
    expect(b.entropy).toBeCloseTo(a.entropy, 12)
    expect(b.distinctExperts).toBe(a.distinctExperts)
  })

  test.prop([loadsArb])('stays in range: gini ∈ [0, 1 − 1/E], maxOverMean ∈ [1, E], minOverMean ∈ [0, 1]', (x) => {
    const s = loadSummary(x)
    expect(s.gini).toBeGreaterThanOrEqual(0)
    expect(s.gini).toBeLessThanOrEqual(1 - 1 / x.length + 1e-12)
    expect(s.maxOverMean).toBeGreaterThanOrEqual(1 - 1e-12)
    expect(s.maxOverMean).toBeLessThanOrEqual(x.length + 1e-9)
    expect(s.minOverMean).toBeLessThanOrEqual(1 + 1e-12)
  })
})
