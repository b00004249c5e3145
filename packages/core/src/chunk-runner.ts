import { checkLimit } from './limits.ts'
import type { KernelBackend } from './kernel-backend.ts'

/**
 * One job of a chunk runner: `chunks` independent pieces of work. Chunk c's result may depend on c and `args`,
 * never on which thread ran it, so output is the same for any thread count.
 */
export interface ChunkJob<A> {
  /** The task's name in the worker script's table (the worker runs the same code as `runChunk`). */
  readonly task: string
  /** Structured-cloneable arguments; views of SharedArrayBuffers are shared, so chunks write outputs in place. */
  readonly args: A
  readonly chunks: number
  /** The work of one chunk on the calling thread. */
  readonly runChunk: (args: A, chunk: number) => void
  /**
   * Chunk c always runs on the same thread (thread c mod threads, the calling thread being thread 0), so state a
   * chunk keeps in its thread (a layer's strategy across steps) is there for chunk c of the next pinned job.
   */
  readonly pinned?: boolean
}

/**
 * Runs chunk jobs, possibly on several threads (a worker pool: `@routesim/parallel`). A simulator lends one to
 * strategies in `RoutingContext.runner`; strategies split large requests into fixed chunks and let it run them.
 */
export interface ChunkRunner {
  /** Threads a job may use, the calling one included (1: everything runs on the calling thread). */
  readonly threads: number
  /** Whether jobs really spread over threads (outputs and inputs must then be in shared memory). */
  readonly parallel: boolean
  /**
   * A synchronous kernel backend whose results are the reference's bit for bit (e.g. wasm), that chunks of
   * kernel work run on in every thread. Absent: core's reference kernels.
   */
  readonly backend?: KernelBackend | undefined
  /** Runs every chunk and returns when all are done; rethrows the error of the lowest failing chunk. */
  run<A>(job: ChunkJob<A>): void
  /** Starts every thread now and returns once each answers, so a first job does not pay for their start. */
  start?(): void
}

/** A Float32Array workers can write: on a SharedArrayBuffer when `shared`, else an ordinary one. */
export function allocateFloat32(length: number, shared: boolean): Float32Array {
  checkLimit('length', length, 'maxElements', 0)
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length)
}

/** An Int32Array workers can write: on a SharedArrayBuffer when `shared`, else an ordinary one. */
export function allocateInt32(length: number, shared: boolean): Int32Array {
  checkLimit('length', length, 'maxElements', 0)
  return shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length)
}

/**
 * The `[rows, k]` output arrays a request writes: the caller's (`context.output`) when given and usable here
 * (shared memory when threads write them), else fresh ones (shared when `shared`).
 */
export function outputArrays(
  output: { ids: Int32Array; weights: Float32Array } | undefined,
  slots: number,
  shared: boolean,
): { ids: Int32Array; weights: Float32Array } {
  const usable = (a: Int32Array | Float32Array): boolean =>
    a.length === slots && (!shared || (typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer))
  if (output !== undefined && usable(output.ids) && usable(output.weights)) return output
  return { ids: allocateInt32(slots, shared), weights: allocateFloat32(slots, shared) }
}

/** `data` itself when workers can read it (shared memory), else a shared copy. */
export function sharedView<T extends Float32Array | Int32Array>(data: T): T {
  if (typeof SharedArrayBuffer === 'function' && data.buffer instanceof SharedArrayBuffer) return data
  const copy = new (data.constructor as new (buffer: SharedArrayBuffer) => T)(new SharedArrayBuffer(data.byteLength))
  copy.set(data as never)
  return copy
}
