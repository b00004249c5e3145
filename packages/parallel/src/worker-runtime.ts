import { MAILBOX_SEQ, MAILBOX_STOP, MAILBOX_SUBSCRIBED, READY_TASK, drainChunks, readyTask, spinWhile } from './worker-protocol.ts'
import type { BroadcastJob, InitMessage, JobMessage, PinnedChunks } from './worker-protocol.ts'
import { nodeBuiltin } from './node-builtin.ts'

/** One task: does chunk `chunk` of a job whose arguments are `args` (shared arrays are written in place). */
export type ChunkTask = (args: never, chunk: number) => void

interface MessageSource {
  on?(event: 'message', listener: (data: unknown) => void): void
  addEventListener?(event: 'message', listener: (event: { data: unknown }) => void): void
}

interface NodeChannel {
  onmessage: ((event: { data: unknown }) => void) | null
}

interface NodeThreads {
  parentPort?: MessageSource | null
  BroadcastChannel?: new (name: string) => NodeChannel
  receiveMessageOnPort?(port: unknown): { message: unknown } | undefined
}

/** What an init message set up: this worker's channel and mailbox. */
interface Parking {
  readonly index: number
  readonly channel: NodeChannel
  readonly mailbox: Int32Array
  readonly lingerMs: number
  readonly spinMs: number
}

/**
 * The worker side of the pool: runs chunks of posted jobs with the named tasks. Called once by a worker
 * script (the bundled entry a consumer builds), in Node's worker_threads or in a Web Worker.
 */
export function startWorkerRuntime(tasks: Readonly<Record<string, ChunkTask>>): void {
  const runJob = (job: JobMessage | BroadcastJob, pinned: PinnedChunks | undefined): void => {
    const task = (job.task === READY_TASK ? readyTask : tasks[job.task]) as ((args: unknown, chunk: number) => void) | undefined
    drainChunks(
      job.control,
      job.error,
      job.chunks,
      (chunk) => {
        if (task === undefined) throw new Error(`this worker has no task '${job.task}'`)
        task(job.args, chunk)
      },
      undefined,
      pinned,
    )
  }
  const threads = nodeBuiltin<NodeThreads>('node:worker_threads')
  const port = threads?.parentPort
  if (!port?.on) {
    const self = globalThis as MessageSource
    self.addEventListener?.('message', (event) => {
      const job = event.data as JobMessage
      if (typeof job === 'object' && job !== null && job.type === 'routesim-job') runJob(job, job.pinned)
    })
    return
  }

  let parking: Parking | undefined
  // One message from either source; true when it was a job (so a next one may follow soon).
  const handle = (data: unknown): boolean => {
    const message = data as JobMessage | BroadcastJob | InitMessage
    if (typeof message !== 'object' || message === null) return false
    if (message.type === 'routesim-job') {
      runJob(message, message.pinned)
      return true
    }
    if (message.type === 'routesim-broadcast-job') {
      const index = parking?.index ?? 0
      if (index < message.helpers) runJob(message, message.pinnedStride === undefined ? undefined : { first: index, stride: message.pinnedStride })
      return true
    }
    if (message.type === 'routesim-init' && threads?.BroadcastChannel !== undefined && threads.receiveMessageOnPort !== undefined) {
      const channel = new threads.BroadcastChannel(message.channel)
      channel.onmessage = (event) => {
        if (handle(event.data)) park()
      }
      parking = { index: message.index, channel, mailbox: message.mailbox, lingerMs: message.lingerMs, spinMs: message.spinMs }
      // Counted once listening: from then on the pool may post this worker's jobs to the channel only.
      Atomics.add(message.mailbox, MAILBOX_SUBSCRIBED, 1)
    }
    return false
  }

  // After a job: wait up to lingerMs for the next one in Atomics.wait (woken by the caller's notify) and take it
  // synchronously, job after job; then back to the event loop, where a later job still arrives as a message.
  const park = (): void => {
    const receive = threads?.receiveMessageOnPort
    if (parking === undefined || receive === undefined || !(parking.lingerMs > 0)) return
    const { channel, mailbox, lingerMs, spinMs } = parking
    let deadline = performance.now() + lingerMs
    for (;;) {
      // Read before looking: a job posted after the look bumps it, so the wait below returns at once.
      const seq = Atomics.load(mailbox, MAILBOX_SEQ)
      let ran = false
      for (let m = receive(channel); m !== undefined; m = receive(channel)) ran = handle(m.message) || ran
      for (let m = receive(port); m !== undefined; m = receive(port)) ran = handle(m.message) || ran
      if (Atomics.load(mailbox, MAILBOX_STOP) !== 0) return
      const now = performance.now()
      if (ran) deadline = now + lingerMs
      if (now >= deadline) return
      if (!spinWhile(() => Atomics.load(mailbox, MAILBOX_SEQ) === seq, Math.min(deadline - now, spinMs))) continue
      Atomics.wait(mailbox, MAILBOX_SEQ, seq, deadline - performance.now())
    }
  }

  port.on('message', (data) => {
    if (handle(data)) park()
  })
}
