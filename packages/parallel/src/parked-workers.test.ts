import { InvalidLogitsError } from '@routesim/core'
import { fc, test } from '@fast-check/vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bundlePoolScript } from '../test/bundle-pool-script.ts'
import { shared, usePools } from '../test/pool-fixture.ts'
import { failTask, visitTask, writeTask } from '../test/test-tasks.ts'
import type { FailArgs, VisitArgs, WriteArgs } from '../test/test-tasks.ts'
import { ParallelTaskError } from './parallel-task-error.ts'
import type { ThreadPool } from './thread-pool.ts'

const { pool, workerSource } = usePools()
/** Blocks this thread (workers' lingers run out meanwhile). */
const sleep = (ms: number): void => void Atomics.wait(shared(1), 0, 0, ms)

function write(p: ThreadPool, base: number, chunks: number, pinned = false): number[] {
  const args: WriteArgs = { base, out: shared(Math.max(chunks, 1)) }
  p.run({ task: 'write', args, chunks, runChunk: writeTask, pinned })
  return Array.from(args.out.subarray(0, chunks))
}
const expected = (base: number, chunks: number): number[] => Array.from({ length: chunks }, (_, c) => base + c * c)

describe('parked workers: a job for a worker that finished one moments ago is a notify, not a message to wake for', () => {
  it('hundreds of jobs in a row give the one-thread outputs, the caller working or only waiting', () => {
    for (const [threads, callerRuns, spinMs] of [
      [2, true, undefined],
      [3, false, 0.05],
      [8, true, 0],
    ] as const) {
      const p = pool({ threads, callerRuns, ...(spinMs === undefined ? {} : { spinMs }) })
      for (let job = 0; job < 300; job++) {
        const chunks = 2 + (job % 23)
        expect(write(p, job * 7, chunks, job % 5 === 0)).toEqual(expected(job * 7, chunks))
      }
    }
  })

  it('interleaves tasks and arguments: writes, pinned visits that keep their chunk → thread mapping, failures, the start barrier', () => {
    const p = pool({ threads: 3, lingerMs: 50 })
    const chunks = 7
    let mapping: number[] | undefined
    for (let round = 1; round <= 60; round++) {
      expect(write(p, round, 16)).toEqual(expected(round, 16))
      const visit: VisitArgs = { key: 'interleave', out: shared(chunks), thread: shared(chunks) }
      p.run({ task: 'visit', args: visit, chunks, runChunk: visitTask, pinned: true })
      expect(Array.from(visit.out)).toEqual(new Array(chunks).fill(round))
      mapping ??= Array.from(visit.thread)
      expect(Array.from(visit.thread)).toEqual(mapping)
      if (round % 10 === 0) {
        const fail: FailArgs = { logitsAt: [4], plainAt: [9], ran: shared(12) }
        expect(() => p.run({ task: 'fail', args: fail, chunks: 12, runChunk: failTask })).toThrow(InvalidLogitsError)
      }
      if (round % 20 === 0) p.start()
      // Some rounds come after the workers' linger ran out: the next job reaches them on their event loop.
      if (round % 15 === 0) sleep(80)
    }
    expect(new Set(mapping).size).toBe(3)
  })

  it('runs jobs that come after the linger ran out (workers back on their event loop), and with lingerMs 0', () => {
    for (const lingerMs of [1, 0]) {
      const p = pool({ threads: 3, lingerMs, callerRuns: false })
      for (let job = 0; job < 5; job++) {
        expect(write(p, job, 9)).toEqual(expected(job, 9))
        sleep(20)
        expect(write(p, job + 100, 9, true)).toEqual(expected(job + 100, 9))
      }
    }
  })

  it("rethrows a worker's error from a job it took while parked, typed, then runs the next job", () => {
    const p = pool({ threads: 3, callerRuns: false, lingerMs: 10_000 })
    for (let round = 0; round < 5; round++) {
      for (let job = 0; job < 20; job++) expect(write(p, job, 6)).toEqual(expected(job, 6))
      const plain: FailArgs = { logitsAt: [], plainAt: [2, 3], ran: shared(6) }
      expect(() => p.run({ task: 'fail', args: plain, chunks: 6, runChunk: failTask })).toThrow(/Task 'fail' failed in chunk 2: TypeError: chunk 2 broke/)
      const logits: FailArgs = { logitsAt: [1], plainAt: [], ran: shared(6) }
      let caught: unknown
      try {
        p.run({ task: 'fail', args: logits, chunks: 6, runChunk: failTask })
      } catch (error) {
        caught = error
      }
      expect(InvalidLogitsError.isInstance(caught)).toBe(true)
      expect(caught).not.toBeInstanceOf(ParallelTaskError)
      expect(() => p.run({ task: 'nope', args: {}, chunks: 3, runChunk: () => {} })).toThrow(/this worker has no task 'nope'/)
    }
  })

  it('dispose while workers are parked: a later job starts new workers and runs', () => {
    const p = pool({ threads: 3, lingerMs: 60_000 })
    for (let round = 0; round < 4; round++) {
      expect(write(p, round, 12)).toEqual(expected(round, 12))
      p.dispose()
      expect(write(p, round + 1, 12, true)).toEqual(expected(round + 1, 12))
    }
  })

  test.prop([fc.array(fc.record({ base: fc.integer({ min: -1000, max: 1000 }), chunks: fc.nat({ max: 40 }), pinned: fc.boolean() }), { maxLength: 30 })], {
    numRuns: 25,
  })('law: a job’s output depends on its arguments alone, not on the thread count or the jobs before it', (jobs) => {
    const reference = jobs.map((j) => expected(j.base, j.chunks))
    for (const p of lawPools()) expect(jobs.map((j) => write(p, j.base, j.chunks, j.pinned))).toEqual(reference)
  })
})

// The law's pools live across its runs, so each run's jobs follow the jobs of every run before.
let lawPoolsMade: ThreadPool[] | undefined
const lawPools = (): ThreadPool[] =>
  (lawPoolsMade ??= [pool({ threads: 1 }), pool({ threads: 2 }), pool({ threads: 3, callerRuns: false }), pool({ threads: 5, lingerMs: 0 })])

describe('a Node process that uses the pool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routesim-pool-exit-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const run = async (name: string, body: string): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> => {
    const file = join(dir, `${name}.mjs`)
    writeFileSync(file, await bundlePoolScript(workerSource(), body))
    const t0 = performance.now()
    const result = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 50_000 })
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - t0 }
  }
  const jobs = `
const pool = createThreadPool({ threads: 3, workerSource, lingerMs: 60_000 })
const out = new Int32Array(new SharedArrayBuffer(4 * 16))
for (let i = 0; i < 50; i++) pool.run({ task: 'write', args: { base: i, out }, chunks: 16, runChunk: writeTask })
`

  it('exits on its own while its workers are parked (they would wait 60 s)', async () => {
    const result = await run('parked', `${jobs}\nconsole.log(JSON.stringify({ last: out[15] }))`)
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ last: 49 + 15 * 15 })
    expect(result.ms).toBeLessThan(30_000)
  })

  it('sees every parked worker exit soon after dispose', async () => {
    const result = await run(
      'dispose',
      `${jobs}
const t0 = performance.now()
pool.dispose()
const timer = setInterval(() => {
  const waiting = trackedWorkers.filter((w) => w.exitedAt === undefined).length
  if (waiting > 0 && performance.now() - t0 < 20_000) return
  clearInterval(timer)
  console.log(JSON.stringify({ workers: trackedWorkers.length, waiting, slowestMs: Math.max(...trackedWorkers.map((w) => (w.exitedAt ?? Infinity) - t0)) }))
}, 2)`,
    )
    expect(result.stderr).toBe('')
    const report = JSON.parse(result.stdout) as { workers: number; waiting: number; slowestMs: number }
    expect(report).toMatchObject({ workers: 2, waiting: 0 })
    expect(report.slowestMs).toBeLessThan(10_000)
  })
})
