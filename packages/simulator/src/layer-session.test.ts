import { createExpertMap, initialPhysicalToLogical } from '@routesim/analysis'
import { createPrng } from '@routesim/core'
import type { ChunkJob, ChunkRunner } from '@routesim/core'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { createLayerSessionTask, fillNormalLogits, openLayerSession } from './layer-session.ts'
import type { LayerSessionSpec } from './layer-session.ts'
import { WORKER_DEFINITIONS } from './worker-definitions.ts'

describe('fillNormalLogits', () => {
  test.prop([fc.integer({ min: 0, max: 10_000 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 4, noNaN: true }), fc.integer()], {
    numRuns: 25,
  })('writes exactly mean + std · nextNormal() per value and leaves the stream where those calls do', (n, mean, std, seed) => {
    const a = createPrng(seed, 'logits')
    const b = createPrng(seed, 'logits')
    const expected = new Float32Array(n)
    for (let i = 0; i < n; i++) expected[i] = mean + std * a.nextNormal()
    const got = new Float32Array(n)
    fillNormalLogits(got, mean, std, b)
    expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true)
    expect(b.getState()).toEqual(a.getState())
  })

  it('is right across its 4,096-draw blocks', () => {
    for (const n of [4095, 4096, 4097, 8192 + 3]) {
      const a = createPrng(1, 'x')
      const b = createPrng(1, 'x')
      const expected = Float32Array.from({ length: n }, () => a.nextNormal())
      const got = new Float32Array(n)
      fillNormalLogits(got, 0, 1, b)
      expect(Array.from(got)).toEqual(Array.from(expected))
      expect(b.nextUint32()).toBe(a.nextUint32())
    }
  })
})

describe('layer sessions', () => {
  const spec: LayerSessionSpec = {
    tokens: 64,
    hiddenSize: 16,
    experts: 16,
    topK: 2,
    logits: { mean: 0, std: 1 },
    replicaChoice: 'modulo',
    epSize: 4,
    nodes: 1,
    keepRouting: false,
    layers: [0, 1, 2].map((l) => ({ strategy: 'zipf', params: {}, seed: l, layer: l, routing: createPrng(1, 'routing', l).getState() })),
  }

  it('fails with a typed error, never silently, when a step reaches a thread that does not hold the layer', () => {
    // Two "threads" (two copies of the task, each with its own state): the runner opens every layer on the first
    // and, not pinning, runs the steps on the second.
    const first = createLayerSessionTask(WORKER_DEFINITIONS, undefined)
    const second = createLayerSessionTask(WORKER_DEFINITIONS, undefined)
    let opened = false
    const runner: ChunkRunner = {
      threads: 2,
      parallel: false,
      run<A>(job: ChunkJob<A>) {
        const task = opened ? second : first
        for (let c = 0; c < job.chunks; c++) task(job.args as never, c)
        opened = true
      },
    }
    const session = openLayerSession(spec, runner, first)
    const map = createExpertMap(initialPhysicalToLogical(16, 16), { numLogical: 16, epSize: 4 })
    for (let l = 0; l < 3; l++) session.setMap(l, map)
    expect(() => session.step()).toThrow(expect.objectContaining({ code: 'layer_state_missing' }))
  })

  it('refuses a step of a layer that was given no map', () => {
    const task = createLayerSessionTask(WORKER_DEFINITIONS, undefined)
    const runner: ChunkRunner = {
      threads: 1,
      parallel: false,
      run: (job) => {
        for (let c = 0; c < job.chunks; c++) job.runChunk(job.args, c)
      },
    }
    const session = openLayerSession(spec, runner, task)
    expect(() => session.step()).toThrow(/was given no expert map/)
    session.close()
  })
})
