import { describe, expect, it } from 'vitest'
import { indexArrayToInt32 } from '@routesim/core'
import { MAX_REJECTIONS, binomialProbabilities, chiSquarePValue, counts, hidden, rejections, shapeOnly } from '../test/statistics.ts'
import { createCrossLayerStrategy } from './cross-layer.ts'
import { createStickyStrategy } from './sticky.ts'

const E = 32
const K = 4

function overlapHistogram(a: Int32Array, aOffset: number, b: Int32Array, bOffset: number, rows: number, out: Float64Array, map?: Int32Array): void {
  for (let t = 0; t < rows; t++) {
    const ref = new Set(Array.from(a.subarray(aOffset + t * K, aOffset + t * K + K), (x) => (map ? map[x]! : x)))
    let shared = 0
    for (let j = 0; j < K; j++) if (ref.has(b[bOffset + t * K + j]!)) shared++
    out[shared]! += 1
  }
}

describe('sticky (Markov over consecutive tokens)', () => {
  it('experts shared with the previous token ~ Binomial(k, p) and marginals stay uniform (χ², 40 seeds)', () => {
    const p = 0.6
    const binom = binomialProbabilities(K, p)
    let marginalRejections = 0
    const r = rejections((seed) => {
      const [, ids] = createStickyStrategy({ stickiness: p }, { seed }).routeTokens(hidden(4000), shapeOnly(4000, E), K)
      const plain = indexArrayToInt32(ids.data)
      // Consecutive rows are dependent; rows 25 apart are nearly independent (p^25 ≈ 3e-6).
      const spaced = new Int32Array(160 * K)
      for (let i = 0; i < 160; i++) spaced.set(plain.subarray(i * 25 * K, i * 25 * K + K), i * K)
      if (chiSquarePValue(counts(spaced, E), new Array(E).fill(1 / E)) < 0.01) marginalRejections++
      const hist = new Float64Array(K + 1)
      overlapHistogram(plain, 0, plain, K, 3999, hist)
      return chiSquarePValue(hist, binom)
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
    expect(marginalRejections).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('kept experts stay in their slot; sequences restart at sequenceLength', () => {
    const [, ids] = createStickyStrategy({ stickiness: 1, sequenceLength: 10 }, { seed: 1 }).routeTokens(hidden(30), shapeOnly(30, E), K)
    const plain = indexArrayToInt32(ids.data)
    for (let t = 1; t < 30; t++) {
      const same = Array.from(plain.subarray(t * K, t * K + K)).join() === Array.from(plain.subarray((t - 1) * K, t * K)).join()
      expect(same).toBe(t % 10 !== 0)
    }
  })

  it('decode mode: token t continues token t of the previous call at the same layer; state restores', () => {
    const s = createStickyStrategy({ stickiness: 1, mode: 'decode' }, { seed: 2 })
    const [, a] = s.routeTokens(hidden(8), shapeOnly(8, E), K, 'int32', { layer: 5 })
    const saved = s.getState()
    const [, b] = s.routeTokens(hidden(8), shapeOnly(8, E), K, 'int32', { layer: 5 })
    expect(Array.from(indexArrayToInt32(b.data))).toEqual(Array.from(indexArrayToInt32(a.data)))
    const [, other] = s.routeTokens(hidden(8), shapeOnly(8, E), K, 'int32', { layer: 6 })
    expect(Array.from(indexArrayToInt32(other.data))).not.toEqual(Array.from(indexArrayToInt32(a.data)))
    const fresh = createStickyStrategy({ stickiness: 0.5, mode: 'decode' }, { seed: 2 })
    fresh.setState(saved)
    const replay = createStickyStrategy({ stickiness: 0.5, mode: 'decode' }, { seed: 2 })
    replay.setState(saved)
    const x = fresh.routeTokens(hidden(8), shapeOnly(8, E), K, 'int32', { layer: 5 })[1].data
    const y = replay.routeTokens(hidden(8), shapeOnly(8, E), K, 'int32', { layer: 5 })[1].data
    expect(Array.from(indexArrayToInt32(x))).toEqual(Array.from(indexArrayToInt32(y)))
  })
})

describe('cross_layer (co-activation across depth)', () => {
  it('layer ℓ+1 shares ~ Binomial(k, c) partners with layer ℓ (identity pairing), marginals uniform (χ², 40 seeds)', () => {
    const c = 0.4
    const binom = binomialProbabilities(K, c)
    const r = rejections((seed) => {
      const s = createCrossLayerStrategy({ coactivation: c, pairing: 'identity' }, { seed })
      const a = indexArrayToInt32(s.routeTokens(hidden(1000), shapeOnly(1000, E), K, 'int32', { layer: 0 })[1].data)
      const b = indexArrayToInt32(s.routeTokens(hidden(1000), shapeOnly(1000, E), K, 'int32', { layer: 1 })[1].data)
      const hist = new Float64Array(K + 1)
      overlapHistogram(a, 0, b, 0, 1000, hist)
      const combined = Math.min(chiSquarePValue(hist, binom), chiSquarePValue(counts(b, E), new Array(E).fill(1 / E)) * 2)
      return combined
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('with permutation pairing, partners are π(e), not e; a skipped layer routes independently', () => {
    const s = createCrossLayerStrategy({ coactivation: 1 }, { seed: 4 })
    const a = indexArrayToInt32(s.routeTokens(hidden(200), shapeOnly(200, E), K, 'int32', { layer: 0 })[1].data)
    const b = indexArrayToInt32(s.routeTokens(hidden(200), shapeOnly(200, E), K, 'int32', { layer: 1 })[1].data)
    // c = 1: b[t, j] = π(a[t, j]) for a fixed permutation π.
    const pi = new Map<number, number>()
    for (let i = 0; i < a.length; i++) {
      if (pi.has(a[i]!)) expect(pi.get(a[i]!)).toBe(b[i])
      pi.set(a[i]!, b[i]!)
    }
    expect(Array.from(pi).some(([e, p]) => e !== p)).toBe(true)
    const d = indexArrayToInt32(s.routeTokens(hidden(200), shapeOnly(200, E), K, 'int32', { layer: 3 })[1].data)
    const hist = new Float64Array(K + 1)
    overlapHistogram(b, 0, d, 0, 200, hist)
    expect(hist[K]).toBeLessThan(5) // independent rows almost never coincide
  })
})
