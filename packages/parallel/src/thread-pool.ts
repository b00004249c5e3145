import { InvalidArgumentError, InvalidLogitsError, RoutesimError, assertFiniteNumber, assertNonNegativeInteger } from '@routesim/core'
import type { ChunkJob, ChunkRunner } from '@routesim/core'
import { ParallelTaskError } from './parallel-task-error.ts'
import { openJobChannel } from './job-channel.ts'
import type { JobChannel } from './job-channel.ts'
import { canBlock, spawnWorker } from './spawn-worker.ts'
import type { PoolWorker } from './spawn-worker.ts'
import { availableCores, resolveThreadCount } from './thread-count.ts'
import { DONE_CHUNKS, ERROR_BYTES, FAILED, FAILED_CHUNK, READY_TASK, createJobState, drainChunks, readyTask, spinWhile } from './worker-protocol.ts'
import type { ReadyArgs } from './worker-protocol.ts'
import type { BroadcastJob, ErrorRecord, JobMessage } from './worker-protocol.ts'

export interface ThreadPoolOptions {
  /** Threads including the calling one. Default: `ROUTESIM_THREADS`, else every available core. */
  readonly threads?: number
  /** The worker script: a self-contained bundle that calls `startWorkerRuntime` with the tasks. */
  readonly workerSource: string
  /** How long a job may go without a finished chunk before it fails (a worker died). Default 120 s. */
  readonly stallMs?: number
  /**
   * Default true: the calling thread takes chunks too. False: workers run every chunk of a parallel job while the
   * caller only waits (tests use it to hold the workers' output to the caller's).
   */
  readonly callerRuns?: boolean
  /**
   * Node: how long a worker that finished a job waits (Atomics.wait, no CPU) for the next one before it goes back to
   * its event loop. A job for a waiting worker costs one shared-memory notify instead of an event-loop wake-up.
   * 0: never wait. Default 5 ms.
   */
  readonly lingerMs?: number
  /**
   * How long a waiting thread (a parked worker, the caller waiting for a job's last chunks) polls before it sleeps:
   * a sleeping thread is slow to wake. Polling takes a core, so it costs where threads share cores. Default 0.05 ms
   * when the pool has no more threads than cores, else 0.
   */
  readonly spinMs?: number
}

/**
 * A `ChunkRunner` over workers. `parallel` is false where the calling thread may not block (a browser's main
 * thread: run routing in a Web Worker there) or with one thread; jobs then run chunk by chunk on the caller.
 */
export interface ThreadPool extends ChunkRunner {
  /** Starts every worker now and returns once each answers (or after 30 s), so a first job does not pay for their start. */
  start(): void
  /** Stops the workers; a later job starts new ones. */
  dispose(): void
}

/**
 * A pool of workers that share chunks of a job through a shared counter: each chunk is claimed by exactly one
 * thread, and the calling thread works too, then blocks (Atomics.wait) until the workers' chunks are done — so
 * jobs are synchronous to the caller. A pinned job (`job.pinned`) deals every chunk to a fixed thread instead,
 * so per-chunk state a thread keeps stays with its chunk from job to job. What a chunk computes may depend on its index, never on which thread or
 * how many threads ran it. Workers start on the first job with more than one chunk.
 */
export function createThreadPool(options: ThreadPoolOptions): ThreadPool {
  if (typeof options !== 'object' || options === null || typeof options.workerSource !== 'string' || options.workerSource === '') {
    throw new InvalidArgumentError({
      parameter: 'createThreadPool options.workerSource',
      value: options?.workerSource,
      allowed: 'the worker script, a non-empty string',
    })
  }
  const threads = resolveThreadCount(options.threads)
  const stallMs = assertFiniteNumber('createThreadPool options.stallMs', options.stallMs ?? 120_000, { min: 0, exclusiveMin: true })
  const lingerMs = assertFiniteNumber('createThreadPool options.lingerMs', options.lingerMs ?? 5, { min: 0 })
  const spinMs = assertFiniteNumber('createThreadPool options.spinMs', options.spinMs ?? (threads <= availableCores() ? 0.05 : 0), { min: 0 })
  const parallel = threads > 1 && canBlock()
  const callerRuns = options.callerRuns ?? true
  let workers: PoolWorker[] = []
  let channel: JobChannel | undefined

  const ensureWorkers = (): void => {
    if (workers.length > 0) return
    for (let i = 1; i < threads; i++) workers.push(spawnWorker(options.workerSource))
    channel = openJobChannel(workers, lingerMs, spinMs)
  }

  const dispose = (): void => {
    // Parked workers leave Atomics.wait first, so termination finds them on their event loop.
    channel?.close()
    channel = undefined
    for (const w of workers) void w.terminate()
    workers = []
  }

  const pool: ThreadPool = {
    threads,
    parallel,
    start(): void {
      if (!parallel) return
      ensureWorkers()
      // One chunk per thread, each waiting for all: returns when every worker has started (or after 30 s).
      const args: ReadyArgs = { arrived: new Int32Array(new SharedArrayBuffer(4)), parties: callerRuns ? threads : threads - 1, timeoutMs: 30_000 }
      pool.run({ task: READY_TASK, args, chunks: args.parties, runChunk: readyTask })
    },
    run<A>(job: ChunkJob<A>): void {
      const chunks = assertNonNegativeInteger('job.chunks', job.chunks)
      if (!parallel || chunks <= 1) {
        for (let c = 0; c < chunks; c++) job.runChunk(job.args, c)
        return
      }
      ensureWorkers()
      const { control, error } = createJobState()
      // Pinned: worker i owns chunks i, i + stride, …; the caller (when it runs chunks) owns stride − 1, 2·stride − 1, …,
      // the same in every job. When chunks do not divide evenly the caller is among the threads with one chunk less:
      // it also does the work between jobs.
      const stride = callerRuns ? threads : threads - 1
      // No more helpers than chunks beyond the first when this thread takes chunks too (pinned: worker i owns chunk i).
      const helpers = Math.min(workers.length, callerRuns && job.pinned !== true ? chunks - 1 : chunks)
      if (channel?.ready(workers.length) === true) {
        // One structured clone for all workers; each knows its index (its pinned chunks, whether it is a helper).
        const message: BroadcastJob = { type: 'routesim-broadcast-job', task: job.task, args: job.args, chunks, control, error, helpers }
        channel.post(job.pinned === true ? { ...message, pinnedStride: stride } : message)
      } else {
        const message: JobMessage = { type: 'routesim-job', task: job.task, args: job.args, chunks, control, error }
        for (let i = 0; i < helpers; i++) {
          workers[i]!.postMessage(job.pinned === true ? { ...message, pinned: { first: i, stride } } : message)
        }
      }
      channel?.wake()
      // This thread's own failure is kept as thrown (its stack, its class); workers' come back as records.
      let localError = undefined as { chunk: number; error: unknown } | undefined
      if (callerRuns) {
        drainChunks(
          control,
          error,
          chunks,
          (c) => job.runChunk(job.args, c),
          (c, e) => {
            localError = { chunk: c, error: e }
          },
          job.pinned === true ? { first: stride - 1, stride } : undefined,
        )
      }
      spinWhile(() => Atomics.load(control, DONE_CHUNKS) < chunks, spinMs)
      let seen = Atomics.load(control, DONE_CHUNKS)
      let since = Date.now()
      while (seen < chunks) {
        Atomics.wait(control, DONE_CHUNKS, seen, 1000)
        const now = Atomics.load(control, DONE_CHUNKS)
        if (now !== seen) {
          seen = now
          since = Date.now()
        } else if (Date.now() - since > stallMs) {
          dispose()
          throw new ParallelTaskError({ task: job.task, chunk: -1, message: `no chunk finished for ${stallMs} ms (a worker stopped); the pool was restarted` })
        }
      }
      if (Atomics.load(control, FAILED) !== 0) {
        if (localError !== undefined && localError.chunk === control[FAILED_CHUNK]) throw localError.error
        throw rebuildError(job.task, control[FAILED_CHUNK]!, error.slice(0, control[ERROR_BYTES]!))
      }
    },
    dispose,
  }
  return pool
}

/** A worker's error as the type the calling thread would have thrown, where it is one we know. */
function rebuildError(task: string, chunk: number, bytes: Uint8Array): Error {
  let record: ErrorRecord
  try {
    record = JSON.parse(new TextDecoder().decode(bytes)) as ErrorRecord
  } catch {
    return new ParallelTaskError({ task, chunk, message: 'a worker failed (its error could not be read)' })
  }
  const f = record.fields
  // The worker's message is kept as written (it names the parameter the way the caller would have).
  if (record.name === 'InvalidLogitsError' && typeof f.row === 'number' && typeof f.column === 'number') {
    const error = new InvalidLogitsError({ row: f.row, column: f.column, value: Number(f.value) })
    error.message = record.message
    return error
  }
  if (record.code !== undefined) {
    const error = new RoutesimError(record.code, record.message)
    error.name = record.name
    return error
  }
  return new ParallelTaskError({ task, chunk, message: `${record.name}: ${record.message}` })
}
