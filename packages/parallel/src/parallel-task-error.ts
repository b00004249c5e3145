import { RoutesimError, brand, hasMarker } from '@routesim/core'

const marker = 'routesim.error.parallel_task'

/** A chunk failed in a worker with an error that cannot be rebuilt as its own type, or a worker stopped answering. */
export class ParallelTaskError extends RoutesimError {
  readonly task: string
  readonly chunk: number

  constructor(options: { task: string; chunk: number; message: string; cause?: unknown }) {
    super('parallel_task_failed', `Task '${options.task}' failed in chunk ${options.chunk}: ${options.message}`, { cause: options.cause })
    this.name = 'ParallelTaskError'
    this.task = options.task
    this.chunk = options.chunk
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is ParallelTaskError {
    return hasMarker(error, marker)
  }
}
