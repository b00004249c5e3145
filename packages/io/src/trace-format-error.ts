import { RoutesimError, brand, hasMarker } from '@routesim/core'

const marker = 'routesim.error.trace_format'

/** A trace file that cannot be read as what it claims to be: names the file, the part and what was expected. */
export class TraceFormatError extends RoutesimError {
  readonly file: string
  readonly part: string

  constructor(options: { file: string; part: string; problem: string; cause?: unknown }) {
    super('trace_format', `Cannot read ${options.file}: ${options.part}: ${options.problem}.`, { cause: options.cause })
    this.name = 'TraceFormatError'
    this.file = options.file
    this.part = options.part
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is TraceFormatError {
    return hasMarker(error, marker)
  }
}
