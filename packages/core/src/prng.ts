import { InvalidArgumentError } from './errors/invalid-argument-error.ts'

/** A serialisable PRNG state; `setState(getState())` replays the stream exactly. */
export interface PrngState {
  readonly algorithm: 'xoshiro128**'
  readonly state: readonly [number, number, number, number]
}

export type Seed = number | bigint | string

/**
 * The only source of randomness in routesim: xoshiro128** (32-bit arithmetic, so it is fast and
 * bit-identical on every JS engine). All draws are pure integer math; floats derive from them exactly.
 */
export interface Prng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number
  /**
   * Fills `out` with the next `out.length` words: exactly what as many `nextUint32()` calls return,
   * but with the state in locals (several times faster for bulk samplers). Returns `out`.
   */
  fillUint32(out: Uint32Array): Uint32Array
  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number
  /** Uniform float in [0, 1) with 53 random bits. */
  nextDouble(): number
  /** Uniform integer in [0, n), unbiased (rejection of the partial top block). 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number
  /** Standard normal draw (Box–Muller, one value per call; no hidden cache, so state is complete). */
  nextNormal(): number
  getState(): PrngState
  setState(state: PrngState): void
  /** An independent generator seeded from this one's next outputs (advances this one). */
  fork(): Prng
}

const TWO_POW_32 = 4294967296
const INV_TWO_POW_32 = 1 / TWO_POW_32
const INV_TWO_POW_53 = 1 / 9007199254740992

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0
  let z = state.s
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** Folds a seed (and optional stream keys) into 32-bit words, FNV-1a style, so distinct inputs give distinct streams. */
function seedWords(seed: Seed, keys: readonly (string | number)[]): number[] {
  const parts: string[] = [typeof seed === 'string' ? `s:${seed}` : `n:${BigInt(seed).toString()}`]
  for (const k of keys) parts.push(typeof k === 'string' ? `s:${k}` : `n:${k}`)
  const text = parts.join('\u0000')
  let h1 = 0x811c9dc5
  let h2 = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15)
  }
  return [h1 >>> 0, h2 >>> 0]
}

function validateSeed(seed: unknown): Seed {
  if (typeof seed === 'string' || typeof seed === 'bigint') return seed
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) return seed
  throw new InvalidArgumentError({ parameter: 'seed', value: seed, allowed: 'a safe integer, a bigint or a string' })
}

class Xoshiro128 implements Prng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0
    this.b = b | 0
    this.c = c | 0
    this.d = d | 0
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1 // the all-zero state is a fixed point
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9)
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result >>> 0
  }

  fillUint32(out: Uint32Array): Uint32Array {
    // Same steps as nextUint32; int32 fields outside the small-integer range are boxed by engines,
    // so the hot loop keeps the state in locals and writes it back once.
    let a = this.a
    let b = this.b
    let c = this.c
    let d = this.d
    const n = out.length
    for (let i = 0; i < n; i++) {
      const b5 = Math.imul(b, 5)
      out[i] = Math.imul((b5 << 7) | (b5 >>> 25), 9)
      const t = b << 9
      c ^= a
      d ^= b
      b ^= c
      a ^= d
      c ^= t
      d = (d << 11) | (d >>> 21)
    }
    this.a = a
    this.b = b
    this.c = c
    this.d = d
    return out
  }

  nextFloat(): number {
    return this.nextUint32() * INV_TWO_POW_32
  }

  nextDouble(): number {
    const hi = this.nextUint32() >>> 5
    const lo = this.nextUint32() >>> 6
    return (hi * 67108864 + lo) * INV_TWO_POW_53
  }

  nextInt(n: number): number {
    // One comparison chain (NaN fails the first): n = 0, NaN, > 2^32 would loop forever, fractional or negative n give garbage.
    if (!(n >= 1 && n <= TWO_POW_32 && Math.floor(n) === n)) {
      throw new InvalidArgumentError({ parameter: 'n', value: n, allowed: 'an integer in [1, 2^32] (Prng.nextInt)' })
    }
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n)
    for (;;) {
      const x = this.nextUint32()
      if (x < limit) return x % n
    }
  }

  nextNormal(): number {
    const u1 = 1 - this.nextDouble() // (0, 1]: log never sees 0
    const u2 = this.nextDouble()
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }

  getState(): PrngState {
    return { algorithm: 'xoshiro128**', state: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0] }
  }

  setState(state: PrngState): void {
    const s = state?.state
    if (
      state?.algorithm !== 'xoshiro128**' ||
      !Array.isArray(s) ||
      s.length !== 4 ||
      !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) ||
      s.every((w) => w === 0)
    ) {
      throw new InvalidArgumentError({
        parameter: 'state',
        value: state,
        allowed: "{ algorithm: 'xoshiro128**', state: four uint32 words, not all zero }",
      })
    }
    this.a = s[0]! | 0
    this.b = s[1]! | 0
    this.c = s[2]! | 0
    this.d = s[3]! | 0
  }

  fork(): Prng {
    return new Xoshiro128(this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32())
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

/**
 * Creates a seeded generator. Extra `streamKeys` select an independent stream for the same seed
 * (e.g. `createPrng(seed, 'layer', 3)`), so parts of a simulation never share draws by accident.
 */
export function createPrng(seed: Seed = 0, ...streamKeys: (string | number)[]): Prng {
  const [h1, h2] = seedWords(validateSeed(seed), streamKeys)
  const mix = { s: (h1! ^ Math.imul(h2!, 0x27d4eb2d)) | 0 }
  const words = [splitmix32(mix) ^ h2!, splitmix32(mix), splitmix32(mix) ^ h1!, splitmix32(mix)]
  return new Xoshiro128(words[0]!, words[1]!, words[2]!, words[3]!)
}

/** Restores a generator from a saved state. */
export function createPrngFromState(state: PrngState): Prng {
  const prng = new Xoshiro128(0, 0, 0, 1)
  prng.setState(state)
  return prng
}
