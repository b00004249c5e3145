import { RoutesimError, brand, describeValue, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.limit_exceeded'

/**
 * A request is larger than routesim's documented limits (see `LIMITS`), refused before anything is
 * allocated. Names the parameter, the value and the limit.
 */
export class LimitExceededError extends RoutesimError {
  readonly parameter: string
  readonly value: unknown
  readonly limit: number
  /** What the limit bounds, e.g. `experts` or `memory (bytes)`. */
  readonly limitName: string

  constructor(options: { parameter: string; value: unknown; limit: number; limitName: string; detail?: string }) {
    super(
      'limit_exceeded',
      `Invalid ${options.parameter}: ${describeValue(options.value)} exceeds the limit on ${options.limitName} (at most ${options.limit.toLocaleString('en-US')}).${options.detail ? ` ${options.detail}` : ''}`,
    )
    this.name = 'LimitExceededError'
    this.parameter = options.parameter
    this.value = options.value
    this.limit = options.limit
    this.limitName = options.limitName
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is LimitExceededError {
    return hasMarker(error, marker)
  }
}
