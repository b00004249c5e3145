import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { applyCapacity } from './apply-capacity.ts'
import { capacityDrops } from './capacity.ts'
import { expertCounts } from './expert-counts.ts'

describe('applyCapacity', () => {
  // 3 tokens, k = 2. Expert 0 is wanted by every token; capacity 2.
  const ids = [0, 1, 1, 0, 0, 2]
  const weights = [0.9, 0.1, 0.6, 0.4, 0.2, 0.8]

  it('position: earliest tokens keep the slot (Megatron drop_policy="position")', () => {
    const r = applyCapacity(ids, 2, 3, 2, 'position')
    expect([...r.keep]).toEqual([1, 1, 1, 1, 0, 1])
    expect([...r.droppedPerExpert]).toEqual([1, 0, 0])
    expect(r).toMatchObject({ droppedSlots: 1, tokensPartiallyDropped: 1, tokensFullyDropped: 0 })
  })

  it('probs: highest weights keep the slot (Megatron drop_policy="probs", Capacity-Aware Token Drop)', () => {
    const r = applyCapacity(ids, 2, 3, 1, 'probs', { weights })
    // capacity 1: expert 0 keeps token 0 (0.9); expert 1 keeps token 1 (0.6) over token 0 (0.1).
    expect([...r.keep]).toEqual([1, 0, 1, 0, 0, 1])
    expect(r.tokensFullyDropped).toBe(0)
    expect(r.tokensPartiallyDropped).toBe(3)
  })

  it('choice_major: first choices before second choices (DeepSpeed top-2 / Tutel locations)', () => {
    // Expert 0 as first choice: token 0, token 2; as second choice: token 1. Capacity 2 drops token 1's slot.
    const r = applyCapacity(ids, 2, 3, 2, 'choice_major')
    expect([...r.keep]).toEqual([1, 1, 1, 0, 1, 1])
    const pos = applyCapacity(ids, 2, 3, 2, 'position')
    expect([...pos.keep]).not.toEqual([...r.keep])
  })

  it('batch_prioritized: tokens with the highest top weight go first (Tutel)', () => {
    // Token importance: t0 0.9, t1 0.6, t2 0.8 → order t0, t2, t1 (first choices), then second choices.
    const r = applyCapacity(ids, 2, 3, 2, 'batch_prioritized', { weights })
    // Expert 0: first choices t0, t2 fill it; t1's second-choice slot is dropped.
    expect([...r.keep]).toEqual([1, 1, 1, 0, 1, 1])
    const r1 = applyCapacity([0, 0, 0], 1, 1, 1, 'batch_prioritized', { weights: [0.1, 0.9, 0.5] })
    expect([...r1.keep]).toEqual([0, 1, 0])
  })

  it('random: same seed ⇒ same drops (DeepSpeed RTS), and a token can be fully dropped', () => {
    const many = Int32Array.from({ length: 400 }, () => 0)
    const a = applyCapacity(many, 1, 1, 100, 'random', { prng: createPrng(3) })
    const b = applyCapacity(many, 1, 1, 100, 'random', { prng: createPrng(3) })
    expect(a.keep).toEqual(b.keep)
    expect(a.droppedSlots).toBe(300)
    expect(a.tokensFullyDropped).toBe(300)
    // Not simply the first 100 positions.
    expect(a.keep.subarray(0, 100).reduce((s, v) => s + v, 0)).toBeLessThan(100)
  })

  it('rejects missing weights or prng, bad ids and unknown policies', () => {
    expect(() => applyCapacity(ids, 2, 3, 1, 'probs')).toThrow(/weights/)
    expect(() => applyCapacity(ids, 2, 3, 1, 'probs', { weights: [1, 2, 3, 4, 5, Number.NaN] })).toThrow(/weights\[5\]/)
    expect(() => applyCapacity(ids, 2, 3, 1, 'random')).toThrow(/prng/)
    expect(() => applyCapacity([0, 3], 2, 3, 1, 'position')).toThrow(/ids\[1\]/)
    expect(() => applyCapacity(ids, 2, 3, -1, 'position')).toThrow(InvalidArgumentError)
    expect(() => applyCapacity(ids, 2, 3, 1, 'lifo' as 'position')).toThrow(/policy/)
  })

  test.prop([
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 40 }),
    fc.nat({ max: 30 }),
    fc.constantFrom('position', 'probs', 'choice_major', 'batch_prioritized', 'random'),
    fc.integer(),
  ])('drops exactly max(0, count − C) per expert under every policy', (E, k, T, C, policy, seed) => {
    const prng = createPrng(seed)
    const ids = Int32Array.from({ length: T * k }, () => prng.nextInt(E))
    const weights = Float32Array.from({ length: T * k }, () => prng.nextFloat())
    const r = applyCapacity(ids, k, E, C, policy as 'position', { weights, prng })
    const expected = capacityDrops(expertCounts(ids, E), C)
    expect([...r.droppedPerExpert]).toEqual([...expected.dropped])
    expect(r.droppedSlots).toBe(expected.droppedSlots)
    expect(r.tokensFullyDropped).toBeLessThanOrEqual(r.tokensPartiallyDropped)
  })
})
