import { createPrng, createPrngFromState } from '@routesim/core'
import type { Prng, PrngState } from '@routesim/core'

/**
 * The stream of one row chunk. Chunk 0 continues the caller's stream (so a request of one chunk draws exactly
 * what it drew before chunking existed); chunk c ≥ 1 gets an independent stream keyed by the caller's state at
 * the start of the call and c. Which thread runs a chunk never matters: its draws depend only on (state, c).
 */
export function chunkPrng(start: PrngState, chunk: number): Prng {
  if (chunk === 0) return createPrngFromState(start)
  const [a, b, c, d] = start.state
  return createPrng(`${a}.${b}.${c}.${d}`, 'routesim-chunk', chunk)
}
