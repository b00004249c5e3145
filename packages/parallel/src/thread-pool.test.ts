import { InvalidArgumentError, InvalidLogitsError } from '@routesim/core'
import { describe, expect, it } from 'vitest'
import { shared, usePools } from '../test/pool-fixture.ts'
import { barrierTask, failTask, visitTask, writeTask } from '../test/test-tasks.ts'
import type { BarrierArgs, FailArgs, VisitArgs, WriteArgs } from '../test/test-tasks.ts'
import { ParallelTaskError } from './parallel-task-error.ts'
import { createThreadPool } from './thread-pool.ts'
import type { ThreadPool } from './thread-pool.ts'

const { pool: poolWith, workerSource } = usePools()
const pool = (threads: number, callerRuns = true): ThreadPool => poolWith({ threads, callerRuns })

describe('createThreadPool', () => {
  it('runs chunks on workers at the same time as the calling thread (a barrier only all of them can pass)', () => {
    for (const threads of [2, 4]) {
      const p = pool(threads)
      expect(p.parallel).toBe(true)
      p.start() // every worker answers before it returns (its own barrier job)
      const args: BarrierArgs = { counter: shared(1), parties: threads, out: shared(threads) }
      p.run({ task: 'barrier', args, chunks: threads, runChunk: barrierTask })
      expect(Array.from(args.out)).toEqual(new Array(threads).fill(1))
    }
  })

  it('gives the same output for 1, 2, 3 and 8 threads, and with the caller only waiting', () => {
    const outputs = [...[1, 2, 3, 8].map((t) => pool(t)), pool(3, false)].map((p) => {
      const args: WriteArgs = { base: 7, out: shared(50) }
      p.run({ task: 'write', args, chunks: 50, runChunk: writeTask })
      return Array.from(args.out)
    })
    expect(outputs[0]).toEqual(Array.from({ length: 50 }, (_, c) => 7 + c * c))
    for (const o of outputs) expect(o).toEqual(outputs[0])
  })

  it('rethrows the lowest failing chunk as its own type, whichever thread ran it', () => {
    for (const callerRuns of [true, false]) {
      const p = pool(3, callerRuns)
      const args: FailArgs = { logitsAt: [5, 9], plainAt: [12], ran: shared(16) }
      let caught: unknown
      try {
        p.run({ task: 'fail', args, chunks: 16, runChunk: failTask })
      } catch (error) {
        caught = error
      }
      expect(InvalidLogitsError.isInstance(caught)).toBe(true)
      expect(caught).toMatchObject({ row: 500, column: 3, value: Number.NaN, code: 'invalid_logits' })
      expect((caught as Error).message).toBe('Invalid routerLogits: row 500, expert 3 is NaN. Allowed: finite numbers.')
      // Chunks below the failure always ran; each chunk ran at most once.
      for (let c = 0; c < 5; c++) expect(args.ran[c]).toBe(1)
      for (let c = 0; c < 16; c++) expect(args.ran[c]).toBeLessThanOrEqual(1)
    }
  })

  it('names a plain error from a worker with the task and chunk', () => {
    const p = pool(2, false)
    const args: FailArgs = { logitsAt: [], plainAt: [2], ran: shared(4) }
    expect(() => p.run({ task: 'fail', args, chunks: 4, runChunk: failTask })).toThrow(ParallelTaskError)
    expect(() => p.run({ task: 'fail', args, chunks: 4, runChunk: failTask })).toThrow(/Task 'fail' failed in chunk 2: TypeError: chunk 2 broke/)
  })

  it('reports a task the worker script does not have', () => {
    const p = pool(2, false)
    expect(() => p.run({ task: 'nope', args: {}, chunks: 3, runChunk: () => {} })).toThrow(/this worker has no task 'nope'/)
  })

  it('pins chunk c of every pinned job to one thread (c mod threads apart), so state a chunk leaves in its thread is there next time', () => {
    for (const [threads, callerRuns, chunks] of [
      [1, true, 11],
      [2, true, 11],
      [3, true, 11],
      [8, true, 11],
      [3, false, 11],
      [8, true, 5], // fewer chunks than threads: the caller owns none
      [3, true, 2],
    ] as const) {
      const p = pool(threads, callerRuns)
      const key = `pinned-${threads}-${callerRuns}-${chunks}`
      const stride = callerRuns ? threads : threads - 1
      let first: number[] | undefined
      for (let job = 1; job <= 6; job++) {
        const args: VisitArgs = { key, out: shared(chunks), thread: shared(chunks) }
        p.run({ task: 'visit', args, chunks, runChunk: visitTask, pinned: true })
        // Every chunk found the count its earlier runs left in the thread that ran it.
        expect(Array.from(args.out)).toEqual(new Array(chunks).fill(job))
        const ran = Array.from(args.thread)
        for (let c = 0; c < chunks; c++) expect(ran[c]).toBe(ran[c % stride])
        // The calling (main) thread takes chunks stride − 1, 2·stride − 1, …: one less than a worker when they do not divide.
        if (callerRuns) for (let c = 0; c < chunks; c++) expect(ran[c] === 0).toBe(c % stride === stride - 1)
        first ??= ran
        expect(ran).toEqual(first)
      }
      if (p.parallel) expect(new Set(first).size).toBe(Math.min(stride, chunks))
    }
  })

  it('runs every chunk on the calling thread with one thread', () => {
    const p = pool(1)
    expect(p.parallel).toBe(false)
    const seen: number[] = []
    p.run({ task: 'unknown-to-workers', args: null, chunks: 4, runChunk: (_a, c) => seen.push(c) })
    expect(seen).toEqual([0, 1, 2, 3])
  })

  it('rejects bad options with typed errors naming them', () => {
    expect(() => createThreadPool({ workerSource: '' })).toThrow(InvalidArgumentError)
    expect(() => createThreadPool({ workerSource: workerSource(), threads: 0 })).toThrow(/threads.*\[1, 256\]/)
    expect(() => createThreadPool({ workerSource: workerSource(), threads: 2.5 })).toThrow(InvalidArgumentError)
    expect(() => createThreadPool({ workerSource: workerSource(), stallMs: -1 })).toThrow(/stallMs/)
    expect(() => createThreadPool({ workerSource: workerSource(), lingerMs: Number.NaN })).toThrow(/lingerMs/)
    expect(() => createThreadPool({ workerSource: workerSource(), spinMs: -1 })).toThrow(/spinMs/)
    expect(() => pool(2).run({ task: 'write', args: {}, chunks: -1, runChunk: () => {} })).toThrow(/job.chunks/)
  })
})
