import type { ChunkRunner, KernelBackend } from '@routesim/core'
import { createThreadPool, resolveThreadCount } from '@routesim/parallel'
import type { ThreadPool } from '@routesim/parallel'
import { WORKER_SOURCE } from './worker-source.ts'

/** One pool per thread count, made on first use and shared by simulators: workers are costly, jobs never overlap within a thread. */
const pools = new Map<number, ThreadPool>()

/**
 * The runner a simulator lends its strategies: a pool of `threads` threads (default: `ROUTESIM_THREADS`, else
 * every core) whose chunks run on `backend`. Idle workers never keep a process alive.
 */
export function createChunkRunner(threads?: number, backend?: KernelBackend): ChunkRunner {
  const n = resolveThreadCount(threads)
  let pool = pools.get(n)
  if (pool === undefined) {
    pool = createThreadPool({ threads: n, workerSource: WORKER_SOURCE })
    pools.set(n, pool)
  }
  const shared = pool
  return {
    threads: shared.threads,
    parallel: shared.parallel,
    backend,
    run: (job) => shared.run(job),
    start: () => shared.start(),
  }
}
