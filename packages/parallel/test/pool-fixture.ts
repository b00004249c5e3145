import { afterAll, beforeAll } from 'vitest'
import { createThreadPool } from '../src/thread-pool.ts'
import type { ThreadPool, ThreadPoolOptions } from '../src/thread-pool.ts'
import { bundleTestWorker } from './bundle-test-worker.ts'

/** Pools over the bundled test worker for one test file, all disposed after it. */
export function usePools(): {
  pool: (options: Omit<ThreadPoolOptions, 'workerSource'>) => ThreadPool
  workerSource: () => string
} {
  let source = ''
  const pools: ThreadPool[] = []
  beforeAll(async () => {
    source = await bundleTestWorker()
  })
  afterAll(() => {
    for (const p of pools) p.dispose()
  })
  return {
    pool: (options) => {
      const p = createThreadPool({ ...options, workerSource: source })
      pools.push(p)
      return p
    },
    workerSource: () => source,
  }
}

/** An Int32Array over shared memory, as pool jobs write. */
export const shared = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * n))
