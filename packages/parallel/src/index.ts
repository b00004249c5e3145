// The pool
export { createThreadPool } from './thread-pool.ts'
export type { ThreadPool, ThreadPoolOptions } from './thread-pool.ts'
export { MAX_THREADS, availableCores, resolveThreadCount } from './thread-count.ts'
export { canBlock, spawnWorker } from './spawn-worker.ts'
export type { PoolWorker } from './spawn-worker.ts'
export { ParallelTaskError } from './parallel-task-error.ts'

// Chunk streams
export { chunkPrng } from './chunk-prng.ts'

// The worker side (for worker scripts)
export { startWorkerRuntime } from './worker-runtime.ts'
export type { ChunkTask } from './worker-runtime.ts'
