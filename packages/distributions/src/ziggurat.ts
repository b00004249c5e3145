import type { WordBlocks } from './word-blocks.ts'

// Doornik's ZIGNOR ziggurat (J. A. Doornik, "An Improved Ziggurat Method to Generate Normal Random
// Samples", 2005): 128 layers of equal area V, the base layer holding the tail beyond R.
const LAYERS = 128
const R = 3.442619855899
const V = 9.91256303526217e-3
const INV_TWO_POW_24 = 1 / 16777216
const INV_TWO_POW_25 = 1 / 33554432
const INV_TWO_POW_32 = 1 / 4294967296

/** Layer edges x[0..128] (x[0] = V/f(R) is the base's virtual width, x[128] = 0) and ratios x[i+1]/x[i]. */
function buildTables(): { x: Float64Array; ratio: Float64Array } {
  const x = new Float64Array(LAYERS + 1)
  let f = Math.exp(-0.5 * R * R)
  x[0] = V / f
  x[1] = R
  x[LAYERS] = 0
  for (let i = 2; i < LAYERS; i++) {
    x[i] = Math.sqrt(-2 * Math.log(V / x[i - 1]! + f))
    f = Math.exp(-0.5 * x[i]! * x[i]!)
  }
  const ratio = new Float64Array(LAYERS)
  for (let i = 0; i < LAYERS; i++) ratio[i] = x[i + 1]! / x[i]!
  return { x, ratio }
}

const { x: X, ratio: RATIO } = buildTables()

/**
 * The half-normal fast path in integers: m = w >>> 7 is accepted iff m < ACCEPT[layer], the same
 * test as (m + 0.5)·2^-25 < ratio[layer]; the value (m + 0.5)·SCALED_X[layer] equals u·x[layer]
 * exactly (SCALED_X only rescales x by 2^-25).
 */
function buildHalfTables(): { accept: Int32Array; scaledX: Float64Array } {
  const accept = new Int32Array(LAYERS)
  const scaledX = new Float64Array(LAYERS)
  for (let i = 0; i < LAYERS; i++) {
    let m = Math.floor(RATIO[i]! * 33554432)
    while (m > 0 && (m - 0.5) * INV_TWO_POW_25 >= RATIO[i]!) m--
    while ((m + 0.5) * INV_TWO_POW_25 < RATIO[i]!) m++
    accept[i] = m
    scaledX[i] = X[i]! * INV_TWO_POW_25
  }
  return { accept, scaledX }
}

const { accept: ACCEPT, scaledX: SCALED_X } = buildHalfTables()

/**
 * Fills `out[from, to)` with N(mean, std²) draws, reading 32-bit words from `blocks` (one word per
 * value on the fast path, ~98.8%): the low 7 bits pick the layer, the high 25 bits give u ∈ (−1, 1)
 * (disjoint bits, so layer and position are independent). Edge cases draw extra words for the wedge
 * test or the tail (Marsaglia's exact tail method beyond R). Resumes at `blocks.pos`, so successive
 * calls on one WordBlocks read one continuous word stream.
 */
export function fillNormals(out: Float32Array | Float64Array, from: number, to: number, mean: number, std: number, blocks: WordBlocks): void {
  // An int32 view keeps every value a small integer for the engine (uint32 words above 2^31 are not).
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  const x = X
  const ratio = RATIO
  let pos = blocks.pos
  let end = blocks.end
  let n = from
  while (n < to) {
    if (pos === end) {
      end = blocks.refill()
      pos = 0
    }
    // A straight run over the block: at most one word per value still to fill.
    const stop = Math.min(end, pos + (to - n))
    let p = pos
    let rareLayer = -1
    let rareU = 0
    for (; p < stop; p++) {
      const w = words[p]!
      const layer = w & 127
      const u = ((w >>> 7) + 0.5) * INV_TWO_POW_24 - 1
      if (Math.abs(u) < ratio[layer]!) {
        out[n++] = mean + std * (u * x[layer]!)
        continue
      }
      rareLayer = layer
      rareU = u
      p++
      break
    }
    pos = p
    if (rareLayer < 0) continue
    blocks.pos = pos
    blocks.end = end
    const z = rareNormal(rareLayer, rareU, blocks)
    pos = blocks.pos
    end = blocks.end
    if (z === z) out[n++] = mean + std * z // NaN: the wedge test rejected; draw again
  }
  blocks.pos = pos
  blocks.end = end
}

/**
 * Fills `out[from, to)` with |N(0, 1)| draws: the same ziggurat without a sign bit (the ziggurat
 * samples the half-normal and the sign is an independent coin), so the high 25 bits all go to
 * u ∈ (0, 1) and one word per value suffices on the fast path. Reads `blocks` like `fillNormals`.
 */
export function fillHalfNormals(out: Float64Array, from: number, to: number, blocks: WordBlocks): void {
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  const accept = ACCEPT
  const scaledX = SCALED_X
  let pos = blocks.pos
  let end = blocks.end
  let n = from
  while (n < to) {
    if (pos === end) {
      end = blocks.refill()
      pos = 0
    }
    const stop = Math.min(end, pos + (to - n))
    let p = pos
    let rareLayer = -1
    let rareU = 0
    for (; p < stop; p++) {
      const w = words[p]!
      const layer = w & 127
      const m = w >>> 7
      if (m < accept[layer]!) {
        out[n++] = (m + 0.5) * scaledX[layer]!
        continue
      }
      rareLayer = layer
      rareU = (m + 0.5) * INV_TWO_POW_25
      p++
      break
    }
    pos = p
    if (rareLayer < 0) continue
    blocks.pos = pos
    blocks.end = end
    const z = rareNormal(rareLayer, rareU, blocks)
    pos = blocks.pos
    end = blocks.end
    if (z === z) out[n++] = z // NaN: the wedge test rejected; draw again
  }
  blocks.pos = pos
  blocks.end = end
}

/** A uniform in (0, 1) from the next word (cold path: reads through the blocks' saved position). */
function nextOpenUniform(blocks: WordBlocks): number {
  if (blocks.pos === blocks.end) {
    blocks.end = blocks.refill()
    blocks.pos = 0
  }
  return (blocks.buffer[blocks.pos++]! + 0.5) * INV_TWO_POW_32
}

/** The base layer's tail or a wedge: a standard normal, or NaN when the wedge test rejects. */
function rareNormal(layer: number, u: number, blocks: WordBlocks): number {
  if (layer === 0) {
    let t: number
    let y: number
    do {
      t = Math.log(nextOpenUniform(blocks)) / R
      y = Math.log(nextOpenUniform(blocks))
    } while (-2 * y < t * t)
    return u < 0 ? t - R : R - t
  }
  const v = u * X[layer]!
  const f0 = Math.exp(-0.5 * (X[layer]! * X[layer]! - v * v))
  const f1 = Math.exp(-0.5 * (X[layer + 1]! * X[layer + 1]! - v * v))
  return f1 + nextOpenUniform(blocks) * (f0 - f1) < 1 ? v : NaN
}
