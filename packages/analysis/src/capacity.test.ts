import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError } from '@routesim/core'
import { capacityAwareCapacity, capacityDrops, deepspeedCapacity, megatronCapacity, tutelCapacity } from './capacity.ts'

describe('capacity formulas (checked against the published definitions)', () => {
  it('Megatron: ceil((T·k / E) · cf), min capacity (moe_utils.get_capacity with num_tokens = T·k)', () => {
    expect(megatronCapacity({ numTokens: 4096, numExperts: 64, topK: 8, capacityFactor: 1.25 })).toBe(640)
    expect(megatronCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: 1 })).toBe(5)
    expect(megatronCapacity({ numTokens: 10, numExperts: 3, topK: 1, capacityFactor: 1 })).toBe(4) // ceil(3.33)
    expect(megatronCapacity({ numTokens: 1, numExperts: 64, topK: 1, capacityFactor: 1, minCapacity: 4 })).toBe(4)
    // Python: math.ceil((35 / 3) * 0.6) = math.ceil(6.999999999999999) = 7 in float64.
    expect(megatronCapacity({ numTokens: 35, numExperts: 3, topK: 1, capacityFactor: 0.6 })).toBe(7)
  })

  it('DeepSpeed: ceil(T/E · cf·k) in float32, floored at min_capacity (sharded_moe._capacity)', () => {
    // top-1: ceil(1000/64 · 1) = 16; top-2 uses 2·cf: 32; top-4 uses 4·cf: 63 → ceil(62.5) = 63.
    expect(deepspeedCapacity({ numTokens: 1000, numExperts: 64, topK: 1, capacityFactor: 1 })).toBe(16)
    expect(deepspeedCapacity({ numTokens: 1000, numExperts: 64, topK: 2, capacityFactor: 1 })).toBe(32)
    expect(deepspeedCapacity({ numTokens: 1000, numExperts: 64, topK: 4, capacityFactor: 1 })).toBe(63)
    expect(deepspeedCapacity({ numTokens: 8, numExperts: 64, topK: 1, capacityFactor: 1 })).toBe(4) // min_capacity default 4
    expect(deepspeedCapacity({ numTokens: 8, numExperts: 64, topK: 1, capacityFactor: 1, minCapacity: 0 })).toBe(1)
    // float32: float32(35/3)·float32(0.6) = 7.0000005 → 8 (numpy/torch float32), where float64 gives 7.
    expect(deepspeedCapacity({ numTokens: 35, numExperts: 3, topK: 1, capacityFactor: 0.6, minCapacity: 0 })).toBe(8)
  })

  it('DeepSpeed no-drop mode: capacity = max expert count, padded to the TP multiple', () => {
    const counts = [3, 9, 0, 4]
    expect(deepspeedCapacity({ numTokens: 8, numExperts: 4, topK: 2, capacityFactor: 1, dropTokens: false, counts })).toBe(9)
    expect(deepspeedCapacity({ numTokens: 8, numExperts: 4, topK: 2, capacityFactor: 1, dropTokens: false, counts, padToMultiple: 4 })).toBe(12)
    expect(() => deepspeedCapacity({ numTokens: 8, numExperts: 4, topK: 2, capacityFactor: 1, dropTokens: false })).toThrow(/counts/)
  })

  it('Tutel: fixed k·floor(cf·ceil(T/E)), dynamic max count, capped dynamic, alignment (fast_dispatch.extract_critical)', () => {
    expect(tutelCapacity({ numTokens: 1000, numExperts: 64, topK: 2, capacityFactor: 1.5 })).toBe(48) // spe = 16
    expect(tutelCapacity({ numTokens: 1000, numExperts: 64, topK: 2, capacityFactor: 1.5, alignment: 32 })).toBe(64)
    const counts = [40, 10, 7]
    expect(tutelCapacity({ numTokens: 30, numExperts: 3, topK: 2, capacityFactor: 0, counts })).toBe(40)
    expect(tutelCapacity({ numTokens: 30, numExperts: 3, topK: 2, capacityFactor: -1.2, counts })).toBe(24) // min(40, 2·12)
    expect(tutelCapacity({ numTokens: 30, numExperts: 3, topK: 2, capacityFactor: -5, counts })).toBe(40)
    expect(() => tutelCapacity({ numTokens: 30, numExperts: 3, topK: 2, capacityFactor: 0 })).toThrow(/counts/)
  })

  it('Capacity-Aware inference: C = γ·T·k/E, integer bound floor(C) (arXiv 2503.05066)', () => {
    expect(capacityAwareCapacity({ numTokens: 100, numExperts: 8, topK: 2, gamma: 1.5 })).toBe(37)
    expect(capacityAwareCapacity({ numTokens: 64, numExperts: 8, topK: 2, gamma: 1 })).toBe(16)
  })

  it('rejects negative or zero capacity factors and bad sizes with typed errors', () => {
    const bad = [
      () => megatronCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: -1 }),
      () => megatronCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: 0 }),
      () => deepspeedCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: -0.5 }),
      () => capacityAwareCapacity({ numTokens: 10, numExperts: 4, topK: 2, gamma: -1 }),
      () => megatronCapacity({ numTokens: 10, numExperts: 0, topK: 2, capacityFactor: 1 }),
      () => megatronCapacity({ numTokens: -1, numExperts: 4, topK: 2, capacityFactor: 1 }),
      () => tutelCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: Number.NaN }),
      () => tutelCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: 1, alignment: 0 }),
    ]
    for (const f of bad) expect(f).toThrow(InvalidArgumentError)
    expect(() => megatronCapacity({ numTokens: 10, numExperts: 4, topK: 2, capacityFactor: -1 })).toThrow(/capacityFactor/)
  })
})

describe('capacityDrops', () => {
  it('keeps min(count, C) per expert and reports drops and padding', () => {
    const d = capacityDrops([5, 1, 0, 2], 2)
    expect([...d.kept]).toEqual([2, 1, 0, 2])
    expect([...d.dropped]).toEqual([3, 0, 0, 0])
    expect(d).toMatchObject({ totalSlots: 8, droppedSlots: 3, dropRate: 0.375, paddingSlots: 3, capacity: 2 })
    expect(() => capacityDrops([1.5], 2)).toThrow(InvalidArgumentError)
    expect(() => capacityDrops([1], -1)).toThrow(/capacity/)
  })

  test.prop([fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 32 }), fc.nat({ max: 250 })])(
    'never exceeds capacity and conserves slots: kept + dropped = count',
    (counts, capacity) => {
      const d = capacityDrops(counts, capacity)
      counts.forEach((c, e) => {
        expect(d.kept[e]).toBeLessThanOrEqual(capacity)
        expect(d.kept[e]! + d.dropped[e]!).toBe(c)
      })
      expect(d.paddingSlots).toBe(counts.length * capacity - d.kept.reduce((a, b) => a + b, 0))
    },
  )
})

import { padCountsToMultiple } from './capacity.ts'

describe('padCountsToMultiple (Megatron pad_routing_map)', () => {
  it('rounds each count up to the multiple', () => {
    const r = padCountsToMultiple([5, 16, 0, 17], 16)
    expect([...r.padded]).toEqual([16, 16, 0, 32])
    expect(r.paddingSlots).toBe(11 + 15)
    expect(() => padCountsToMultiple([1], 0)).toThrow(/multiple/)
  })
})
