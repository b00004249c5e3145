/** Slots of a job's shared control block (Int32Array). */
export const NEXT_CHUNK = 0
export const DONE_CHUNKS = 1
export const FAILED = 2
export const FAILED_CHUNK = 3
export const ERROR_BYTES = 4
export const LOCK = 5
export const CONTROL_SLOTS = 8
/** Bytes for one failed chunk's error, as JSON. */
export const ERROR_BUFFER_BYTES = 16384

/** What the pool posts to every worker for one job. */
export interface JobMessage {
  readonly type: 'routesim-job'
  readonly task: string
  readonly args: unknown
  readonly chunks: number
  readonly control: Int32Array
  readonly error: Uint8Array
  /** A pinned job: this worker runs chunks first, first + stride, … (none else); absent: it claims chunks from the counter. */
  readonly pinned?: PinnedChunks
}

/**
 * Node's hand-off: one job posted once to a BroadcastChannel every worker of the pool listens on (one structured
 * clone, not one per worker), and workers that finished a job recently wait for the next one in Atomics.wait on
 * the pool's mailbox, then take it from the channel with receiveMessageOnPort: no event-loop turn to wake.
 */
export interface BroadcastJob {
  readonly type: 'routesim-broadcast-job'
  readonly task: string
  readonly args: unknown
  readonly chunks: number
  readonly control: Int32Array
  readonly error: Uint8Array
  /** Workers 0 … helpers − 1 take part; the rest ignore the job. */
  readonly helpers: number
  /** A pinned job: worker i runs chunks i, i + pinnedStride, … */
  readonly pinnedStride?: number
}

/** The first message to a Node worker: where its jobs come from and how long it waits for the next one. */
export interface InitMessage {
  readonly type: 'routesim-init'
  /** The worker's place in the pool (its pinned chunks, whether a job needs it). */
  readonly index: number
  readonly channel: string
  readonly mailbox: Int32Array
  readonly lingerMs: number
  /** How long a parked worker polls the mailbox before it sleeps. */
  readonly spinMs: number
}

/** Slots of the pool's mailbox (Int32Array), shared by the caller and every worker of one pool generation. */
export const MAILBOX_SEQ = 0
/** Set by dispose: parked workers go back to their event loop at once. */
export const MAILBOX_STOP = 1
/** Workers listening on the channel: until every one is, jobs go to each worker by postMessage. */
export const MAILBOX_SUBSCRIBED = 2
export const MAILBOX_SLOTS = 4

/** The chunks one thread owns in a pinned job. */
export interface PinnedChunks {
  readonly first: number
  readonly stride: number
}

/** A thrown value as plain data, so the calling thread can rebuild a typed error. */
export interface ErrorRecord {
  readonly name: string
  readonly code?: string
  readonly message: string
  readonly fields: Record<string, unknown>
}

export function errorRecord(error: unknown): ErrorRecord {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error), fields: {} }
  const e = error as Error & Record<string, unknown>
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(e)) {
    const value = e[key]
    // JSON has no NaN or ±Infinity: such numbers travel as their names, which Number() reads back.
    if (typeof value === 'number') fields[key] = Number.isFinite(value) ? value : String(value)
    else if (value === null || typeof value === 'string' || typeof value === 'boolean') fields[key] = value
  }
  return { name: String(e.name), ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message), fields }
}

const NO_FAILURE = 0x7fffffff

/**
 * A job's fresh shared state: the control block (no chunk claimed, done or failed) and the bytes for a failed
 * chunk's error, views of one SharedArrayBuffer (every job allocates them: one allocation instead of two).
 */
export function createJobState(): { control: Int32Array; error: Uint8Array } {
  const buffer = new SharedArrayBuffer(CONTROL_SLOTS * 4 + ERROR_BUFFER_BYTES)
  const control = new Int32Array(buffer, 0, CONTROL_SLOTS)
  control[FAILED_CHUNK] = NO_FAILURE
  return { control, error: new Uint8Array(buffer, CONTROL_SLOTS * 4, ERROR_BUFFER_BYTES) }
}

/**
 * Claims chunks until none are left, running each (a pinned job: this thread's own chunks, in order). On
 * failures the error of the LOWEST failing chunk is kept (so "the first bad row" is the same for any thread
 * count), and chunks above it are skipped.
 */
export function drainChunks(
  control: Int32Array,
  errorBytes: Uint8Array,
  chunks: number,
  run: (chunk: number) => void,
  onError?: (chunk: number, error: unknown) => void,
  pinned?: PinnedChunks,
): void {
  for (let own = pinned?.first ?? 0; ; own += pinned?.stride ?? 0) {
    const chunk = pinned === undefined ? Atomics.add(control, NEXT_CHUNK, 1) : own
    if (chunk >= chunks) return
    if (chunk < Atomics.load(control, FAILED_CHUNK)) {
      try {
        run(chunk)
      } catch (error) {
        while (Atomics.compareExchange(control, LOCK, 0, 1) !== 0) Atomics.wait(control, LOCK, 1, 1)
        if (chunk < control[FAILED_CHUNK]!) {
          control[FAILED] = 1
          control[FAILED_CHUNK] = chunk
          if (onError) onError(chunk, error)
          else writeError(control, errorBytes, error)
        }
        Atomics.store(control, LOCK, 0)
        Atomics.notify(control, LOCK)
      }
    }
    if (Atomics.add(control, DONE_CHUNKS, 1) + 1 === chunks) Atomics.notify(control, DONE_CHUNKS)
  }
}

function writeError(control: Int32Array, errorBytes: Uint8Array, error: unknown): void {
  let text: string
  try {
    text = JSON.stringify(errorRecord(error))
  } catch {
    text = JSON.stringify({ name: 'Error', message: 'an error that could not be described', fields: {} })
  }
  const encoded = new TextEncoder().encode(text)
  if (encoded.length > errorBytes.length) {
    control[ERROR_BYTES] = 0 // too long to keep whole; the reader reports an unreadable error
    return
  }
  errorBytes.set(encoded)
  control[ERROR_BYTES] = encoded.length
}

/**
 * Polls `waiting` until it says no or `ms` have passed: a thread that sleeps in Atomics.wait is slow to wake (an idle
 * core, a descheduled virtual CPU), and what it waits for is often moments away. Returns whether it is still waiting.
 */
export function spinWhile(waiting: () => boolean, ms: number): boolean {
  if (!(ms > 0)) return waiting()
  const until = performance.now() + ms
  while (waiting()) if (performance.now() >= until) return true
  return false
}

/** The pool's own task: every chunk waits until all have arrived, so a job of N chunks proves N threads answer. */
export const READY_TASK = '__routesim_ready'

export interface ReadyArgs {
  readonly arrived: Int32Array
  readonly parties: number
  readonly timeoutMs: number
}

export function readyTask(args: ReadyArgs): void {
  Atomics.add(args.arrived, 0, 1)
  Atomics.notify(args.arrived, 0)
  const deadline = Date.now() + args.timeoutMs
  for (;;) {
    const seen = Atomics.load(args.arrived, 0)
    // A thread that never arrives only makes the start slower; jobs do not depend on it.
    if (seen >= args.parties || Date.now() > deadline) return
    Atomics.wait(args.arrived, 0, seen, 50)
  }
}
