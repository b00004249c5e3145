import { MAILBOX_SEQ, MAILBOX_SLOTS, MAILBOX_STOP, MAILBOX_SUBSCRIBED } from './worker-protocol.ts'
import type { BroadcastJob, InitMessage } from './worker-protocol.ts'
import { nodeBuiltin } from './node-builtin.ts'
import type { PoolWorker } from './spawn-worker.ts'

interface NodeChannel {
  postMessage(message: unknown): void
  close(): void
  unref?(): void
}

interface NodeThreads {
  BroadcastChannel?: new (name: string) => NodeChannel
  receiveMessageOnPort?: unknown
}

/** The caller's side of Node's hand-off (see `BroadcastJob`): one post for every worker, one notify for parked ones. */
export interface JobChannel {
  /** Whether every worker listens on the channel yet (before that, jobs go to each by postMessage). */
  ready(workers: number): boolean
  post(job: BroadcastJob): void
  /** Wakes workers parked on the mailbox: there is a job on the channel or on their own port. */
  wake(): void
  /** Parked workers return to their event loop; the channel closes. */
  close(): void
}

let opened = 0

/**
 * Opens the channel of one pool generation and tells each worker (by its first message) its index, the channel and
 * how long to wait (and first poll) for a next job. Undefined where the engine lacks BroadcastChannel or receiveMessageOnPort
 * (browsers: jobs keep going to each worker by postMessage).
 */
export function openJobChannel(workers: readonly PoolWorker[], lingerMs: number, spinMs: number): JobChannel | undefined {
  const threads = nodeBuiltin<NodeThreads>('node:worker_threads')
  if (threads?.BroadcastChannel === undefined || typeof threads.receiveMessageOnPort !== 'function') return undefined
  // Names are process-wide: each generation of each pool (of any copy of this package) gets its own.
  const name = `routesim-pool-${++opened}-${Math.random().toString(36).slice(2)}`
  const channel = new threads.BroadcastChannel(name)
  // Posting only: an open channel must not keep the process alive.
  channel.unref?.()
  const mailbox = new Int32Array(new SharedArrayBuffer(MAILBOX_SLOTS * 4))
  workers.forEach((worker, index) => {
    const init: InitMessage = { type: 'routesim-init', index, channel: name, mailbox, lingerMs, spinMs }
    worker.postMessage(init)
  })
  return {
    ready: (count) => Atomics.load(mailbox, MAILBOX_SUBSCRIBED) >= count,
    post: (job) => channel.postMessage(job),
    wake: () => {
      Atomics.add(mailbox, MAILBOX_SEQ, 1)
      Atomics.notify(mailbox, MAILBOX_SEQ)
    },
    close: () => {
      Atomics.store(mailbox, MAILBOX_STOP, 1)
      Atomics.notify(mailbox, MAILBOX_SEQ)
      channel.close()
    },
  }
}
