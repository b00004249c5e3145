import { BackendUnavailableError } from '@routesim/core'
import { nodeBuiltin } from './node-builtin.ts'

/** The part of a worker the pool uses: Node's worker_threads Worker and the browser's Worker both fit. */
export interface PoolWorker {
  postMessage(message: unknown): void
  terminate(): unknown
}

const blobUrls = new Map<string, string>()

interface NodeWorkerModule {
  Worker: new (code: string, options: { eval: true; workerData?: unknown }) => PoolWorker & { unref(): void }
}

interface BrowserWorkerGlobals {
  Worker?: new (url: string) => PoolWorker
  Blob?: new (parts: string[], options: { type: string }) => unknown
  URL?: { createObjectURL(blob: unknown): string; revokeObjectURL(url: string): void }
}

/**
 * Starts a worker from a self-contained script (an IIFE): Node's worker_threads with `eval`, found through
 * `process.getBuiltinModule` so no `node:` import reaches browser bundles; a classic Web Worker from a Blob
 * URL elsewhere. Node workers are unref'd: an idle pool never keeps a process alive.
 */
export function spawnWorker(source: string): PoolWorker {
  const threads = nodeBuiltin<NodeWorkerModule>('node:worker_threads')
  if (threads !== undefined) {
    const worker = new threads.Worker(source, { eval: true })
    worker.unref()
    return worker
  }
  const g = globalThis as BrowserWorkerGlobals
  if (g.Worker && g.Blob && g.URL) {
    // One URL per script, kept: revoking it while a worker may still be fetching it would break that worker.
    let url = blobUrls.get(source)
    if (url === undefined) {
      url = g.URL.createObjectURL(new g.Blob([source], { type: 'text/javascript' }))
      blobUrls.set(source, url)
    }
    return new g.Worker(url)
  }
  throw new BackendUnavailableError({ mode: 'threads', reason: 'this engine has neither worker_threads nor Web Workers' })
}

/** Whether this thread may block in Atomics.wait (Node's main thread and workers may; a browser's main thread may not). */
export function canBlock(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)
    return true
  } catch {
    return false
  }
}
