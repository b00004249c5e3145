import { InvalidLogitsError } from '@routesim/core'

export interface BarrierArgs {
  /** [arrived] */
  readonly counter: Int32Array
  readonly parties: number
  /** Per chunk: 1 when it passed the barrier. */
  readonly out: Int32Array
}

/** Each chunk waits until `parties` chunks have arrived: a job of `parties` chunks finishes only if that many threads run at once. */
export function barrierTask(args: BarrierArgs, chunk: number): void {
  Atomics.add(args.counter, 0, 1)
  Atomics.notify(args.counter, 0)
  const deadline = Date.now() + 20_000
  for (;;) {
    const seen = Atomics.load(args.counter, 0)
    if (seen >= args.parties) break
    if (Date.now() > deadline) throw new Error(`barrier: only ${seen} of ${args.parties} threads arrived`)
    Atomics.wait(args.counter, 0, seen, 100)
  }
  args.out[chunk] = 1
}

export interface WriteArgs {
  readonly base: number
  readonly out: Int32Array
}

export function writeTask(args: WriteArgs, chunk: number): void {
  args.out[chunk] = args.base + chunk * chunk
}

export interface FailArgs {
  /** Chunks that throw InvalidLogitsError (row = 100·chunk). */
  readonly logitsAt: readonly number[]
  /** Chunks that throw a plain Error. */
  readonly plainAt: readonly number[]
  readonly ran: Int32Array
}

export function failTask(args: FailArgs, chunk: number): void {
  Atomics.add(args.ran, chunk, 1)
  if (args.logitsAt.includes(chunk)) throw new InvalidLogitsError({ parameter: 'routerLogits', row: 100 * chunk, column: 3, value: Number.NaN })
  if (args.plainAt.includes(chunk)) throw new TypeError(`chunk ${chunk} broke`)
}

export interface VisitArgs {
  readonly key: string
  /** Per chunk: how many jobs of this key found the chunk's state on the thread that ran it. */
  readonly out: Int32Array
  /** Per chunk: the id of the thread that ran it (worker_threads' threadId; 0 on the main thread). */
  readonly thread: Int32Array
}

// Each thread's own record of the chunks it ran (the calling thread's and every worker's are apart).
const visits = new Map<string, number>()

/** Counts, in the running thread's memory, the times chunk c of `key` ran there: pinned jobs find their count. */
export function visitTask(args: VisitArgs, chunk: number): void {
  const id = `${args.key}:${chunk}`
  const seen = (visits.get(id) ?? 0) + 1
  visits.set(id, seen)
  args.out[chunk] = seen
  const threads = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process?.getBuiltinModule?.('node:worker_threads') as
    { threadId: number } | undefined
  args.thread[chunk] = threads?.threadId ?? -1
}
