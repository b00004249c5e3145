import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { sourceBundle } from './bundle-test-worker.ts'

/**
 * A standalone Node script (ESM text) that starts a pool over the test worker and runs `body` with `createThreadPool`,
 * `writeTask`, `workerSource` and `trackedWorkers` (each worker the pool started, with the time it exited) in scope.
 */
export async function bundlePoolScript(workerSource: string, body: string): Promise<string> {
  const here = fileURLToPath(new URL('.', import.meta.url))
  const result = await build({
    stdin: {
      contents: `
import { createThreadPool } from '../src/index.ts'
import { writeTask } from './test-tasks.ts'
const workerSource = ${JSON.stringify(workerSource)}
// Every worker the pool starts, seen through the module the pool finds them in (it spawns by process.getBuiltinModule).
const threads = process.getBuiltinModule('node:worker_threads')
const trackedWorkers = []
class TrackedWorker extends threads.Worker {
  constructor(...args) {
    super(...args)
    const record = { exitedAt: undefined }
    trackedWorkers.push(record)
    this.on('exit', () => { record.exitedAt = performance.now() })
  }
}
const getBuiltinModule = process.getBuiltinModule.bind(process)
process.getBuiltinModule = (id) => (id === 'node:worker_threads' ? { ...threads, Worker: TrackedWorker } : getBuiltinModule(id))
${body}
`,
      resolveDir: here,
      loader: 'ts',
    },
    ...sourceBundle,
    format: 'esm',
    platform: 'node',
  })
  return result.outputFiles[0]!.text
}
