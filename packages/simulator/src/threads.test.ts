import { EXPERT_COUNT_CHUNK_IDS, expertCounts, expertCountsOn } from '@routesim/analysis'
import { createPrng } from '@routesim/core'
import { referenceTopK } from '@routesim/backend-cpu'
import type { ChunkRunner, RoutingResult } from '@routesim/core'
import { createThreadPool } from '@routesim/parallel'
import { afterAll, describe, expect, it } from 'vitest'
import { buildWorkerSource, workerSourceModule } from '../scripts/worker-bundle.mjs'
import { resolveChunkBackend } from './chunk-backend.ts'
import { DistributionBasedRouting } from './distribution-based-routing.ts'
import { SAMPLE_CHUNK_ROWS } from './sample-rows.ts'
import { createSimulator } from './simulator.ts'
import { WORKER_SOURCE } from './worker-source.ts'
import { readFileSync } from 'node:fs'

// Workers only (the caller waits): their output must be the caller's, byte for byte.
const workersOnly = createThreadPool({ threads: 3, workerSource: WORKER_SOURCE, callerRuns: false })
afterAll(() => workersOnly.dispose())
const workerRunner: ChunkRunner = { threads: 3, parallel: true, backend: resolveChunkBackend().backend, run: (job) => workersOnly.run(job) }

const ROWS = 3 * SAMPLE_CHUNK_ROWS + 123
const bytes = (r: RoutingResult): [number[], number[]] => [
  Array.from(new Uint8Array(r[0].data.buffer, r[0].data.byteOffset, r[0].data.byteLength)),
  Array.from(r[1].data as Int32Array),
]

function logits(rows: number, cols: number, seed: number): Float32Array {
  const prng = createPrng(seed, 'test-logits')
  const out = new Float32Array(rows * cols)
  for (let i = 0; i < out.length; i++) out[i] = prng.nextNormal()
  return out
}

describe('threads: byte-identical output for any thread count', () => {
  const cases: [string, Record<string, unknown>, number][] = [
    ['uniform_random', { replacement: true }, 256],
    ['uniform_random', {}, 256],
    ['uniform_random', { replacement: true }, 100],
    ['normal_routing', {}, 256],
    ['normal_routing', { distinct: true }, 64],
  ]
  for (const [name, params, experts] of cases) {
    it(`${name} ${JSON.stringify(params)} E=${experts}: 1, 2, 3, 8 threads and workers alone agree, stream included`, () => {
      const runs = [1, 2, 3, 8].map((threads) => {
        const sim = createSimulator({ seed: 11, threads })
        sim.registerStrategy('s', sim.createStrategy(name, params))
        const first = sim.simulateRouting({ shape: [ROWS, 4] }, { shape: [ROWS, experts] }, 's', 8)
        const afterFirst = sim.getState()
        const second = sim.simulateRouting({ shape: [100, 4] }, { shape: [100, experts] }, 's', 8)
        return { first: bytes(first), second: bytes(second), afterFirst, state: sim.getState() }
      })
      const strategy = createSimulator({ seed: 11, threads: 1 }).createStrategy(name, params)
      const prng = createPrng(11, 'simulator')
      const onWorkers = strategy.routeTokens({ shape: [ROWS, 4] }, { shape: [ROWS, experts] }, 8, 'int32', { prng, runner: workerRunner })
      for (const run of runs) expect(run).toEqual(runs[0])
      expect(bytes(onWorkers)).toEqual(runs[0]!.first)
      expect(prng.getState()).toEqual(runs[0]!.afterFirst)
    })
  }

  it('a request of one chunk draws what it drew before chunking; the first chunk of a larger one continues the same stream', () => {
    const strategy = new DistributionBasedRouting('uniform', { replacement: true })
    const small = strategy.routeTokens({ shape: [SAMPLE_CHUNK_ROWS, 1] }, { shape: [SAMPLE_CHUNK_ROWS, 256] }, 8, 'int32', { prng: createPrng(5) })
    // Before chunking: ids were sampleUniformInts over the whole output from the caller's stream.
    const legacy = new Int32Array(SAMPLE_CHUNK_ROWS * 8)
    const prng = createPrng(5)
    const words = new Uint32Array(SAMPLE_CHUNK_ROWS * 2)
    prng.fillUint32(words)
    for (let i = 0; i < legacy.length; i++) legacy[i] = (words[i >> 2]! >>> (8 * (i & 3))) & 255
    expect(Array.from(small[1].data as Int32Array)).toEqual(Array.from(legacy))
    const large = strategy.routeTokens({ shape: [ROWS, 1] }, { shape: [ROWS, 256] }, 8, 'int32', { prng: createPrng(5) })
    expect(Array.from((large[1].data as Int32Array).subarray(0, legacy.length))).toEqual(Array.from(legacy))
    // Later chunks draw from streams of their own: not a continuation of chunk 0's.
    const next = new DistributionBasedRouting('uniform', { replacement: true }).routeTokens(
      { shape: [SAMPLE_CHUNK_ROWS, 1] },
      { shape: [SAMPLE_CHUNK_ROWS, 256] },
      8,
      'int32',
      { prng },
    )
    expect(Array.from((large[1].data as Int32Array).subarray(legacy.length, 2 * legacy.length))).not.toEqual(Array.from(next[1].data as Int32Array))
  })

  for (const [name, params] of [
    ['softmax_topk', {}],
    [
      'grouped_topk',
      {
        numExpertGroup: 8,
        topkGroup: 4,
        scoring: 'sigmoid',
        routedScalingFactor: 2.5,
        correctionBias: Array.from({ length: 256 }, (_, i) => ((i * 37) % 17) / 100),
      },
    ],
  ] as const) {
    it(`${name}: threads and workers alone give the reference's bytes; a bad logit is reported at the same row`, () => {
      const rows = 5000
      const data = logits(rows, 256, 3)
      const reference = createSimulator({ threads: 1 })
        .createStrategy(name, params)
        .routeTokens({ shape: [rows, 1] }, { data, shape: [rows, 256] }, 8)
      for (const threads of [1, 2, 3, 8]) {
        const sim = createSimulator({ threads })
        sim.registerStrategy('r', sim.createStrategy(name, params))
        expect(bytes(sim.simulateRouting({ shape: [rows, 1] }, { data, shape: [rows, 256] }, 'r', 8))).toEqual(bytes(reference))
      }
      const strategy = createSimulator().createStrategy(name, params)
      expect(bytes(strategy.routeTokens({ shape: [rows, 1] }, { data, shape: [rows, 256] }, 8, 'int32', { runner: workerRunner }))).toEqual(bytes(reference))
      const bad = data.slice()
      bad[4321 * 256 + 17] = Number.NaN
      bad[4500 * 256 + 2] = Number.POSITIVE_INFINITY
      expect(() => strategy.routeTokens({ shape: [rows, 1] }, { data: bad, shape: [rows, 256] }, 8, 'int32', { runner: workerRunner })).toThrow(
        /routerLogits: row 4321, expert 17 is NaN/,
      )
      expect(() => referenceTopK(bad, rows, 256, { k: 8, scoring: 'softmax' })).toThrow(/row 4321, expert 17/)
    })
  }
})

describe('caller-owned outputs (options.out)', () => {
  it('are written in place and returned, with the bytes of a call without them, plain or shared, 1 or 3 threads', () => {
    const rows = 20_000
    const data = logits(rows, 256, 5)
    for (const [name, shape] of [
      ['uniform_random', { shape: [rows, 256] }],
      ['softmax_topk', { data, shape: [rows, 256] }],
    ] as const) {
      for (const threads of [1, 3]) {
        const plain = createSimulator({ seed: 2, threads }).simulateRouting({ shape: [rows, 1] }, shape, name, 8)
        for (const shared of [false, true]) {
          const out = {
            ids: shared ? new Int32Array(new SharedArrayBuffer(rows * 32)) : new Int32Array(rows * 8),
            weights: shared ? new Float32Array(new SharedArrayBuffer(rows * 32)) : new Float32Array(rows * 8),
          }
          const sim = createSimulator({ seed: 2, threads })
          const result = sim.simulateRouting({ shape: [rows, 1] }, shape, name, 8, undefined, { out })
          expect(result[1].data).toBe(out.ids)
          expect(result[0].data).toBe(out.weights)
          expect(bytes(result)).toEqual(bytes(plain))
          // Reused: a second call overwrites them with the stream's next draws.
          const again = sim.simulateRouting({ shape: [rows, 1] }, shape, name, 8, undefined, { out })
          expect(again[1].data).toBe(out.ids)
        }
      }
    }
  })

  it('are written in place by the strategy library too (zipf, dirichlet weights), cleared first like fresh arrays', () => {
    const rows = 3000
    for (const params of [{ exponent: 1.1 }, { exponent: 0.5, weightPolicy: 'dirichlet' }]) {
      const plain = createSimulator({ seed: 8, threads: 1 })
      plain.registerStrategy('z', plain.createStrategy('zipf', params))
      const expected = plain.simulateRouting({ shape: [rows, 1] }, { shape: [rows, 64] }, 'z', 4)
      const sim = createSimulator({ seed: 8, threads: 1 })
      sim.registerStrategy('z', sim.createStrategy('zipf', params))
      const out = { ids: new Int32Array(rows * 4).fill(77), weights: new Float32Array(rows * 4).fill(9) }
      const result = sim.simulateRouting({ shape: [rows, 1] }, { shape: [rows, 64] }, 'z', 4, undefined, { out })
      expect(result[1].data).toBe(out.ids)
      expect(bytes(result)).toEqual(bytes(expected))
    }
  })

  it('refuses arrays of the wrong type or size, and other index dtypes, with typed errors', () => {
    const sim = createSimulator({ threads: 1 })
    const args = [{ shape: [10, 1] }, { shape: [10, 16] }, 'uniform_random', 2] as const
    expect(() => sim.simulateRouting(...args, undefined, { out: { ids: new Int32Array(19), weights: new Float32Array(20) } })).toThrow(
      /options.out.ids.*T·k = 20/,
    )
    expect(() => sim.simulateRouting(...args, undefined, { out: { ids: new Float32Array(20), weights: new Float32Array(20) } as never })).toThrow(/options.out/)
    expect(() => sim.simulateRouting(...args, 'int64', { out: { ids: new Int32Array(20), weights: new Float32Array(20) } })).toThrow(/indicesType/)
  })
})

describe('routeLayers', () => {
  it('routes every layer with its own stream: the same for 1, 2, 3, 8 threads, workers alone, and a plugin copy on this thread', () => {
    const options = { tokens: 3000, experts: 256, topK: 8, layers: 7, parameters: { exponent: 1.2 }, firstLayer: 2 }
    const runs = [1, 2, 3, 8].map((threads) => {
      const sim = createSimulator({ seed: 4, threads })
      const out = sim.routeLayers('zipf', options)
      return { ids: Array.from(out.ids), weights: Array.from(out.weights), counts: Array.from(out.counts), state: sim.getState(), shape: out.shape }
    })
    for (const run of runs) expect(run).toEqual(runs[0])
    expect(runs[0]!.shape).toEqual([7, 3000, 8])
    // Counts are the layers' ids counted; the layers differ (per-layer popularity and streams).
    const first = runs[0]!
    const counts = expertCounts(Int32Array.from(first.ids.slice(0, 24000)), 256)
    expect(Array.from(counts)).toEqual(first.counts.slice(0, 256))
    expect(first.counts.slice(0, 256)).not.toEqual(first.counts.slice(256, 512))
    // The same definition registered as a plugin runs on the calling thread only, with the same output.
    const sim = createSimulator({ seed: 4, threads: 3 })
    sim.registerStrategy('zipf_copy', sim.describeStrategy('zipf'), { plugin: 'test-plugin' })
    const copy = sim.routeLayers('zipf_copy', options)
    expect(Array.from(copy.ids)).toEqual(first.ids)
    expect(sim.getState()).toEqual(first.state)
  })

  it("keep: 'counts' gives the same counts, last layer and stream end as keeping every layer, for 1, 2, 3, 8 threads and twice in a row", () => {
    const options = { tokens: 3000, experts: 256, topK: 8, layers: 7, parameters: { exponent: 1.2 }, firstLayer: 2 }
    const full = createSimulator({ seed: 4, threads: 1 })
    const expected = [full.routeLayers('zipf', options), full.routeLayers('zipf', options)].map((out) => ({
      counts: Array.from(out.counts),
      ids: Array.from(out.ids.subarray(6 * 24000)),
      weights: Array.from(out.weights.subarray(6 * 24000)),
    }))
    for (const threads of [1, 2, 3, 8]) {
      const sim = createSimulator({ seed: 4, threads })
      // The second call reuses every thread's scratch arrays, which still hold the first call's layers.
      const got = [0, 1].map(() => {
        const out = sim.routeLayers('zipf', { ...options, keep: 'counts' })
        expect(out.shape).toEqual([7, 3000, 8])
        expect(out).not.toHaveProperty('ids')
        return { counts: Array.from(out.counts), ids: Array.from(out.lastLayer.ids), weights: Array.from(out.lastLayer.weights) }
      })
      expect(got).toEqual(expected)
      expect(sim.getState()).toEqual(full.getState())
    }
  })

  it("calls in a row with other seeds, parameters, layers and strategies: keep: 'counts' matches keep: 'routing' on 1 thread, for 2, 3, 8 threads", () => {
    // Anything a thread kept from an earlier call (a layer's permutation, a strategy instance) would show up here.
    const calls: [number, string, Record<string, unknown>, number][] = [
      [4, 'zipf', { exponent: 1.2 }, 0],
      [4, 'zipf', { exponent: 1.2 }, 0],
      [5, 'zipf', { exponent: 1.2 }, 0],
      [5, 'zipf', { exponent: 0.6 }, 0],
      [5, 'zipf', { exponent: 0.6, layout: 'identity' }, 3],
      [5, 'zipf', { exponent: 0.6, layout: 'per_call' }, 3],
      [6, 'uniform_subset', {}, 1],
      [6, 'zipf', { exponent: 0.6 }, 1],
    ]
    const options = { tokens: 500, experts: 64, topK: 4, layers: 5 }
    const route = (sim: ReturnType<typeof createSimulator>, [, name, parameters, firstLayer]: (typeof calls)[number], keep: 'routing' | 'counts') => {
      if (keep === 'routing') {
        const out = sim.routeLayers(name, { ...options, parameters, firstLayer })
        return { counts: Array.from(out.counts), last: Array.from(out.ids.subarray(4 * 2000)), state: sim.getState() }
      }
      const out = sim.routeLayers(name, { ...options, parameters, firstLayer, keep })
      return { counts: Array.from(out.counts), last: Array.from(out.lastLayer.ids), state: sim.getState() }
    }
    // A fresh simulator per seed; the calls of one seed follow one another in it.
    const sequence = (threads: number, keep: 'routing' | 'counts') => {
      const sims = new Map<number, ReturnType<typeof createSimulator>>()
      return calls.map((call) => {
        let sim = sims.get(call[0])
        if (sim === undefined) sims.set(call[0], (sim = createSimulator({ seed: call[0], threads })))
        return route(sim, call, keep)
      })
    }
    const expected = sequence(1, 'routing')
    expect(expected[0]!.counts).not.toEqual(expected[1]!.counts)
    for (const threads of [1, 2, 3, 8]) expect(sequence(threads, 'counts')).toEqual(expected)
  })

  it('refuses logit strategies and bad sizes with typed errors naming them', () => {
    const sim = createSimulator({ threads: 2 })
    expect(() => sim.routeLayers('softmax_topk', { tokens: 4, experts: 8, topK: 2, layers: 2 })).toThrow(/reads no logit values/)
    expect(() => sim.routeLayers('zipf', { tokens: 0, experts: 8, topK: 2, layers: 2 })).toThrow(/routeLayers options.tokens/)
    expect(() => sim.routeLayers('zipf', { tokens: 4, experts: 8, topK: 9, layers: 2 })).toThrow(/routeLayers options.topK/)
    expect(() => sim.routeLayers('zipf', { tokens: 4, experts: 8, topK: 2, layers: 2, layer: 1 } as never)).toThrow(/routeLayers options.layer/)
    expect(() => sim.routeLayers('zipf', { tokens: 4, experts: 8, topK: 2, layers: 2, keep: 'ids' } as never)).toThrow(
      /routeLayers options.keep.*ids.*routing, counts/,
    )
  })
})

describe('expertCountsOn', () => {
  it('counts on workers exactly as expertCounts does, and reports the first bad id at its index', () => {
    const ids = new Int32Array(new SharedArrayBuffer(4 * (3 * EXPERT_COUNT_CHUNK_IDS + 77)))
    const prng = createPrng(9)
    for (let i = 0; i < ids.length; i++) ids[i] = prng.nextUint32() % 256
    const expected = Array.from(expertCounts(ids, 256))
    for (const threads of [1, 2, 3, 8]) expect(Array.from(expertCountsOn(createSimulator({ threads }).runner, ids, 256))).toEqual(expected)
    expect(Array.from(expertCountsOn(workerRunner, ids.slice(), 256))).toEqual(expected)
    ids[2 * EXPERT_COUNT_CHUNK_IDS + 5] = 300
    ids[3 * EXPERT_COUNT_CHUNK_IDS + 1] = -1
    expect(() => expertCountsOn(workerRunner, ids, 256)).toThrow(`ids[${2 * EXPERT_COUNT_CHUNK_IDS + 5}]`)
  })
})

describe('the worker script', () => {
  it('is the bundle of worker/worker-entry.ts as checked in (run scripts/build-worker.mjs after changing a task)', async () => {
    const text = workerSourceModule(await buildWorkerSource())
    expect(text === readFileSync(new URL('./worker-source.ts', import.meta.url), 'utf8')).toBe(true)
  })
})
