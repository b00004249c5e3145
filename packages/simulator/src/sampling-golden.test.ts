import { describe, expect, it } from 'vitest'
import { createSimulator } from './simulator.ts'

/** FNV-1a over the bytes of a typed array: a short fingerprint of exact output. */
function fingerprint(a: ArrayBufferView): string {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

// Fingerprints of the outputs as main at 2a8da11 (before the E = 256 byte-slice paths, the wasm distinct-rows kernel,
// the faster dealing and permutation of issue 14) gave them: the speed-ups must not move a byte, on any thread count.
const GOLDEN = {
  iid: 'acc78f64 dfa23705 then e04753c5 545c22c5',
  distinct: 'bec2eb53 dfa23705 then eaaca3c5 545c22c5',
  zipf: 'cc793567 3223c9c5 6e6ec29f',
  categorical: '35b393e3 1e5edc5f',
}

describe('sampling output is pinned (seed 42)', () => {
  it.each([1, 2])('uniform i.i.d. and k-distinct (3 chunks, then one call more), zipf and categorical layers: %i thread(s)', (threads) => {
    const sim = createSimulator({ seed: 42, threads })
    sim.registerStrategy('iid', sim.createStrategy('uniform_random', { replacement: true }))
    sim.registerStrategy('distinct', sim.createStrategy('uniform_random', {}))
    const tokens = 3 * 8192 + 5
    const seen: Record<string, string> = {}
    for (const name of ['iid', 'distinct'] as const) {
      const [w, ids] = sim.simulateRouting({ shape: [tokens, 1] }, { shape: [tokens, 256] }, name, 8, 'int32')
      const [w2, ids2] = sim.simulateRouting({ shape: [100, 1] }, { shape: [100, 256] }, name, 8, 'int32')
      seen[name] = `${fingerprint(ids.data)} ${fingerprint(w.data)} then ${fingerprint(ids2.data)} ${fingerprint(w2.data)}`
    }
    const zipf = sim.routeLayers('zipf', { tokens: 1000, experts: 256, topK: 8, layers: 6, parameters: { exponent: 1, layout: 'per_layer' } })
    seen.zipf = `${fingerprint(zipf.ids)} ${fingerprint(zipf.weights)} ${fingerprint(zipf.counts)}`
    const weights = Array.from({ length: 64 }, (_, e) => 1 + (e % 7))
    const categorical = sim.routeLayers('categorical', { tokens: 300, experts: 64, topK: 8, layers: 3, parameters: { weights, layout: 'per_call' } })
    seen.categorical = `${fingerprint(categorical.ids)} ${fingerprint(categorical.counts)}`
    expect(seen).toEqual(GOLDEN)
  })
})
