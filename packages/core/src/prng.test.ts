import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { createPrng, createPrngFromState } from './prng.ts'
import { InvalidArgumentError } from './errors/invalid-argument-error.ts'

describe('createPrng', () => {
  it('gives the same stream for the same seed and different streams for different seeds or keys', () => {
    const a = createPrng(42)
    const b = createPrng(42)
    const c = createPrng(43)
    const d = createPrng(42, 'layer', 1)
    const xs = Array.from({ length: 16 }, () => a.nextUint32())
    expect(Array.from({ length: 16 }, () => b.nextUint32())).toEqual(xs)
    expect(Array.from({ length: 16 }, () => c.nextUint32())).not.toEqual(xs)
    expect(Array.from({ length: 16 }, () => d.nextUint32())).not.toEqual(xs)
  })

  it('pins the stream so outputs stay byte-identical across releases', () => {
    const prng = createPrng(0)
    expect(Array.from({ length: 4 }, () => prng.nextUint32())).toMatchInlineSnapshot(`
      [
        4220292727,
        551536063,
        1719218209,
        865581418,
      ]
    `)
  })

  test.prop([fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 50 })])('restoring a saved state replays the stream exactly', (seed, skip) => {
    const prng = createPrng(seed)
    for (let i = 0; i < skip; i++) prng.nextUint32()
    const saved = JSON.parse(JSON.stringify(prng.getState()))
    const expected = [prng.nextUint32(), prng.nextDouble(), prng.nextInt(7), prng.nextNormal()]
    const restored = createPrngFromState(saved)
    expect([restored.nextUint32(), restored.nextDouble(), restored.nextInt(7), restored.nextNormal()]).toEqual(expected)
  })

  test.prop([fc.integer({ min: 1, max: 2 ** 32 })])('nextInt(n) stays in [0, n)', (n) => {
    const prng = createPrng(n)
    for (let i = 0; i < 20; i++) {
      const v = prng.nextInt(n)
      expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true)
    }
  })

  it('draws uniform floats: mean and variance of 200k draws within 5 sigma', () => {
    const prng = createPrng(7)
    const n = 200_000
    let sum = 0
    let sq = 0
    for (let i = 0; i < n; i++) {
      const u = prng.nextFloat()
      expect(u >= 0 && u < 1).toBe(true)
      sum += u
      sq += u * u
    }
    const mean = sum / n
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n))
    expect(Math.abs(sq / n - mean * mean - 1 / 12)).toBeLessThan(0.002)
  })

  it('draws standard normals: mean 0, variance 1', () => {
    const prng = createPrng(9)
    const n = 200_000
    let sum = 0
    let sq = 0
    for (let i = 0; i < n; i++) {
      const z = prng.nextNormal()
      sum += z
      sq += z * z
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n))
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.02)
  })

  it('rejects bad seeds and states with a typed error', () => {
    expect(() => createPrng(1.5)).toThrow(InvalidArgumentError)
    expect(() => createPrng(NaN)).toThrow(/Invalid seed: NaN/)
    const prng = createPrng(1)
    expect(() => prng.setState({ algorithm: 'xoshiro128**', state: [0, 0, 0, 0] })).toThrow(InvalidArgumentError)
    expect(() => prng.setState({ algorithm: 'mt' } as never)).toThrow(/Invalid state/)
  })
})
