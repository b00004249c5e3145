import type { Prng } from '@routesim/core'

const BLOCK = 4096
const EXTRA_BLOCK = 64

/**
 * Blocks of 32-bit words from a Prng, filled in bulk by `fillUint32`. Hot loops read `buffer`
 * through their own local index and call `refill()` (which returns how many words it wrote) when
 * they run out — a method call per block, not per draw, and no boxing of uint32 return values.
 * `planned` is how many words the caller needs without rejections: refills are sized to it, so a
 * sampler wastes no words when nothing is rejected and at most 63 otherwise. The words consumed
 * depend only on the stream, so outputs stay deterministic. Cold paths (fallbacks) may draw from the
 * Prng directly between blocks: still a deterministic function of the stream.
 */
export class WordBlocks {
  readonly buffer: Uint32Array
  /**
   * Read position and filled length, for samplers that resume where another left off: copy them into
   * locals on entry and write them back on exit (`refill()` itself does not touch them).
   */
  pos = 0
  end = 0
  private readonly prng: Prng
  private planned: number

  constructor(prng: Prng, planned: number) {
    this.prng = prng
    this.planned = planned
    this.buffer = new Uint32Array(Math.max(EXTRA_BLOCK, Math.min(BLOCK, planned)))
  }

  refill(): number {
    const size = this.planned > 0 ? Math.min(this.buffer.length, this.planned) : EXTRA_BLOCK
    this.planned -= size
    this.prng.fillUint32(size === this.buffer.length ? this.buffer : this.buffer.subarray(0, size))
    return size
  }
}
