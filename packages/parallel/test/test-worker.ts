import { startWorkerRuntime } from '../src/worker-runtime.ts'
import type { ChunkTask } from '../src/worker-runtime.ts'
import { barrierTask, failTask, visitTask, writeTask } from './test-tasks.ts'

startWorkerRuntime({ barrier: barrierTask as ChunkTask, write: writeTask as ChunkTask, fail: failTask as ChunkTask, visit: visitTask as ChunkTask })
