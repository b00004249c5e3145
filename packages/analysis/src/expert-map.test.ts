import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { createExpertMap, createRankDispatchTable, initialPhysicalToLogical, mapToPhysical, tokenHomeRank } from './expert-map.ts'
import { rebalanceExperts } from './eplb.ts'

describe('createExpertMap', () => {
  it('inverts a physical → logical row and records slot ranks', () => {
    const map = createExpertMap(initialPhysicalToLogical(4, 6), { numLogical: 4, epSize: 3 })
    expect([...map.physicalToLogical]).toEqual([0, 1, 2, 3, 0, 1])
    expect([...map.replicaCount]).toEqual([2, 2, 1, 1])
    expect(map.maxReplicas).toBe(2)
    expect([...map.logicalToPhysical]).toEqual([0, 4, 1, 5, 2, -1, 3, -1])
    expect([...map.slotRank]).toEqual([0, 0, 1, 1, 2, 2])
    const rr = createExpertMap([0, 1, 2, 3], { numLogical: 4, epSize: 2, placement: 'round_robin' })
    expect([...rr.slotRank]).toEqual([0, 1, 0, 1])
  })

  it('orders replicas by replica rank when given (EPLB output)', () => {
    const plan = rebalanceExperts([[10, 30]], { numReplicas: 4, numGroups: 1, numNodes: 1, numGpus: 2 })
    const map = createExpertMap(plan.physicalToLogical.data, {
      numLogical: 2,
      epSize: 2,
      replicaRank: plan.replicaRank.data,
    })
    expect([...map.logicalToPhysical]).toEqual([...plan.logicalToPhysical.data])
  })

  it('rejects zero replicas, bad ids, EP sizes that do not divide the slots and inconsistent replica ranks', () => {
    expect(() => createExpertMap([0, 0, 2], { numLogical: 3, epSize: 1 })).toThrow(/replicas of logical expert 1/)
    expect(() => createExpertMap([0, 1, 5], { numLogical: 3, epSize: 1 })).toThrow(/physicalToLogical\[2\]/)
    expect(() => createExpertMap([0, 1, 2], { numLogical: 3, epSize: 2 })).toThrow(/epSize/)
    expect(() => createExpertMap([0, 1], { numLogical: 3, epSize: 1 })).toThrow(InvalidArgumentError)
    expect(() => createExpertMap([0, 0, 1, 1], { numLogical: 2, epSize: 1, replicaRank: [0, 0, 0, 1] })).toThrow(/replicaRank\[1\]/)
    expect(() => initialPhysicalToLogical(4, 2)).toThrow(/numPhysical/)
  })
})

describe('tokenHomeRank', () => {
  it('splits tokens contiguously, larger blocks first (torch.tensor_split)', () => {
    expect(Array.from({ length: 10 }, (_, t) => tokenHomeRank(t, 10, 4))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 3, 3])
    expect(Array.from({ length: 3 }, (_, t) => tokenHomeRank(t, 3, 8))).toEqual([0, 1, 2])
  })
})

describe('mapToPhysical', () => {
  const map = createExpertMap([0, 1, 0, 1, 2, 2], { numLogical: 3, epSize: 3 })
  // Slots: rank 0 = {0:e0, 1:e1}, rank 1 = {2:e0, 3:e1}, rank 2 = {4:e2, 5:e2}.

  it('modulo: flat position mod replica count (vLLM)', () => {
    expect([...mapToPhysical([0, 0, 0, 1, 2, 2], 2, map, 'modulo')]).toEqual([0, 2, 0, 3, 4, 5])
  })

  it('rank_local: the token home rank replica first, else a fair spread', () => {
    // 3 tokens, 3 ranks: token t lives on rank t.
    const out = mapToPhysical([0, 1, 0, 1, 2, 0], 2, map, 'rank_local')
    expect([...out.subarray(0, 4)]).toEqual([0, 1, 2, 3]) // local replicas on ranks 0 and 1
    expect(out[4]).toBe(4) // expert 2 on rank 2 is local: lowest slot
    expect([0, 2]).toContain(out[5]) // rank 2 has no e0: any e0 replica
    const table = createRankDispatchTable(map)
    // e2 has no replica on ranks 0 and 1, so they are spread fairly over its two replicas (4 and 5).
    expect([...table]).toEqual([0, 1, 4, 2, 3, 5, 0, 1, 4])
  })

  it('random: same seed ⇒ same mapping, and only valid replicas', () => {
    const ids = Int32Array.from({ length: 600 }, (_, i) => i % 3)
    const a = mapToPhysical(ids, 3, map, 'random', { prng: createPrng(7) })
    const b = mapToPhysical(ids, 3, map, 'random', { prng: createPrng(7) })
    expect(a).toEqual(b)
    for (let i = 0; i < ids.length; i++) expect(map.physicalToLogical[a[i]!]).toBe(ids[i])
    // Both replicas of e0 get used.
    const used = new Set(Array.from(a).filter((_, i) => ids[i] === 0))
    expect([...used].sort()).toEqual([0, 2])
  })

  it('rejects bad policies, missing prng, bad ids and wrong buffer sizes', () => {
    expect(() => mapToPhysical([0, 1], 2, map, 'nearest' as 'modulo')).toThrow(/policy/)
    expect(() => mapToPhysical([0, 1], 2, map, 'random')).toThrow(/prng/)
    expect(() => mapToPhysical([0, 3], 2, map, 'modulo')).toThrow(/ids\[1\]/)
    expect(() => mapToPhysical([0, 1], 2, map, 'modulo', { out: new Int32Array(3) })).toThrow(/out.length/)
    expect(() => mapToPhysical([0, 1], 2, map, 'rank_local', { dispatchTable: new Int32Array(2) })).toThrow(/dispatchTable/)
  })

  test.prop([
    fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 8, maxLength: 24 }),
    fc.constantFrom('modulo', 'random', 'rank_local'),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 40 }),
    fc.integer(),
  ])('preserves logical identity: physicalToLogical[map(id)] == id', (extra, policy, epDiv, numTokens, seed) => {
    // 8 logical experts + 0..16 redundant slots, padded so the EP size divides the slot count.
    const epSize = [1, 2, 4, 8][epDiv - 1]!
    const row = [0, 1, 2, 3, 4, 5, 6, 7, ...extra].slice(0, 8 + Math.floor(extra.length / epSize) * epSize - (8 % epSize))
    const m = createExpertMap(row, { numLogical: 8, epSize })
    const prng = createPrng(seed)
    const ids = Int32Array.from({ length: numTokens * 2 }, () => prng.nextInt(8))
    const out = mapToPhysical(ids, 2, m, policy as 'modulo', { prng })
    for (let i = 0; i < ids.length; i++) expect(m.physicalToLogical[out[i]!]).toBe(ids[i])
  })
})

describe('replica choice distributions', () => {
  it("'random' spreads one expert's slots uniformly over its replicas (χ², df = 2, 30 seeds, ≤ 3 rejections at α = 0.01)", () => {
    const map = createExpertMap([0, 1, 0, 0], { numLogical: 2, epSize: 2 }) // expert 0 has 3 replicas: slots 0, 2, 3
    const n = 3000
    const ids = new Int32Array(n) // all expert 0, k = 1
    let rejections = 0
    for (let seed = 0; seed < 30; seed++) {
      const out = mapToPhysical(ids, 1, map, 'random', { prng: createPrng(seed, 'replica-chi2') })
      const observed = [0, 0, 0]
      for (const p of out) observed[p === 0 ? 0 : p === 2 ? 1 : 2]!++
      const chi2 = observed.reduce((s, o) => s + (o - n / 3) ** 2 / (n / 3), 0)
      // χ² survival with 2 degrees of freedom is exactly exp(−x/2).
      if (Math.exp(-chi2 / 2) < 0.01) rejections++
    }
    expect(rejections).toBeLessThanOrEqual(3)
  })

  test.prop([
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.nat({ max: 7 }), { minLength: 0, maxLength: 8 }),
    fc.option(fc.integer(), { nil: undefined }),
  ])("'rank_local' table: local replica when one exists, otherwise each replica serves ⌊n/c⌋ or ⌈n/c⌉ of the other ranks", (ranks, perRank, extras, seed) => {
    const numSlots = ranks * perRank
    const numLogical = Math.min(numSlots, 8)
    const row = Array.from({ length: numSlots }, (_, p) => (p < numLogical ? p : (extras[p % Math.max(1, extras.length)] ?? p) % numLogical))
    const map = createExpertMap(row, { numLogical, epSize: ranks })
    const table = createRankDispatchTable(map, seed === undefined ? undefined : createPrng(seed))
    for (let e = 0; e < numLogical; e++) {
      const replicas = [...map.logicalToPhysical.subarray(e * map.maxReplicas, (e + 1) * map.maxReplicas)].filter((p) => p >= 0)
      const remote: number[] = []
      for (let r = 0; r < ranks; r++) {
        const chosen = table[r * numLogical + e]!
        expect(replicas).toContain(chosen)
        const local = replicas.filter((p) => map.slotRank[p] === r)
        if (local.length > 0) expect(chosen).toBe(Math.min(...local))
        else remote.push(chosen)
      }
      const uses = replicas.map((p) => remote.filter((c) => c === p).length)
      expect(Math.max(...uses) - Math.min(...uses)).toBeLessThanOrEqual(1)
    }
  })
})

describe('malformed arguments', () => {
  it('reject missing options and maps with typed errors', () => {
    expect(() => createExpertMap([0], undefined as unknown as { numLogical: number; epSize: number })).toThrow(InvalidArgumentError)
    expect(() => mapToPhysical([0], 1, {} as ReturnType<typeof createExpertMap>, 'modulo')).toThrow(/map/)
  })
})
