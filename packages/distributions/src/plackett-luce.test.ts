import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import { plackettLuceInclusion, plackettLuceInclusionExact } from './plackett-luce.ts'

/** Brute force over all ordered k-prefixes: the definition of successive sampling. */
function bruteForce(w: number[], k: number): number[] {
  const total = w.reduce((a, b) => a + b, 0)
  const out = w.map(() => 0)
  const walk = (chosen: number[], prob: number, mass: number) => {
    if (chosen.length === k) {
      for (const c of chosen) out[c]! += prob
      return
    }
    for (let i = 0; i < w.length; i++) {
      if (chosen.includes(i) || w[i] === 0) continue
      walk([...chosen, i], (prob * w[i]!) / (total - mass), mass + w[i]!)
    }
  }
  walk([], 1, 0)
  return out
}

describe('plackettLuceInclusion', () => {
  it('subset DP equals brute-force enumeration of ordered draws', () => {
    const w = [5, 1, 0.5, 3, 0, 2, 0.25]
    for (const k of [1, 2, 3, 6]) {
      const exact = plackettLuceInclusionExact(w, k)
      const brute = bruteForce(w, k)
      for (let i = 0; i < w.length; i++) expect(exact[i]).toBeCloseTo(brute[i]!, 12)
    }
  })

  it('inclusion probabilities sum to k and are ≤ 1 (a law of sampling without replacement)', () => {
    const w = Array.from({ length: 16 }, (_, i) => 1 / (i + 1))
    const p = plackettLuceInclusionExact(w, 5)
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(5, 12)
    for (const v of p) expect(v).toBeLessThanOrEqual(1 + 1e-12)
  })

  it('the exponential-race integral agrees with exact enumeration to 1e-8', () => {
    const w = Array.from({ length: 18 }, (_, i) => (i + 1) ** -1.3)
    w[7] = 0
    for (const k of [1, 4, 8]) {
      const exact = plackettLuceInclusionExact(w, k)
      const numeric = plackettLuceInclusion(w, k)
      for (let i = 0; i < w.length; i++) expect(Math.abs(numeric[i]! - exact[i]!)).toBeLessThan(1e-8)
    }
  })

  it('k = 1 gives the normalised weights; uniform weights give k/n', () => {
    const w = [1, 2, 3, 4]
    const p = plackettLuceInclusion(w, 1)
    for (let i = 0; i < 4; i++) expect(p[i]).toBeCloseTo(w[i]! / 10, 14)
    const u = plackettLuceInclusion(new Array(40).fill(1), 8)
    for (const v of u) expect(v).toBeCloseTo(8 / 40, 8)
  })

  it('rejects k beyond the non-zero support and bad weights', () => {
    expect(() => plackettLuceInclusion([1, 0, 1], 3)).toThrow(InvalidArgumentError)
    expect(() => plackettLuceInclusion([1, Number.NaN], 1)).toThrow(/weights\[1\]/)
    expect(() => plackettLuceInclusion([0, 0], 1)).toThrow(/positive/)
  })
})
