import { READY_TASK, drainChunks, readyTask } from './worker-protocol.ts'
import type { JobMessage } from './worker-protocol.ts'

/** One task: does chunk `chunk` of a job whose arguments are `args` (shared arrays are written in place). */
export type ChunkTask = (args: never, chunk: number) => void

interface MessageSource {
  on?(event: 'message', listener: (data: unknown) => void): void
  addEventListener?(event: 'message', listener: (event: { data: unknown }) => void): void
}

/**
 * The worker side of the pool: runs chunks of posted jobs with the named tasks. Called once by a worker
 * script (the bundled entry a consumer builds), in Node's worker_threads or in a Web Worker.
 */
export function startWorkerRuntime(tasks: Readonly<Record<string, ChunkTask>>): void {
  const handle = (data: unknown): void => {
    const job = data as JobMessage
    if (typeof job !== 'object' || job === null || job.type !== 'routesim-job') return
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
      job.pinned,
    )
  }
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process
  const port = (p?.getBuiltinModule?.('node:worker_threads') as { parentPort?: MessageSource | null } | undefined)?.parentPort
  if (port?.on) {
    port.on('message', handle)
    return
  }
  const self = globalThis as MessageSource
  if (self.addEventListener) self.addEventListener('message', (event) => handle(event.data))
}
