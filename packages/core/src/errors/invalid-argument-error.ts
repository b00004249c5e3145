import { RoutesimError, brand, describeValue, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.invalid_argument'

/** A parameter has a value outside what is allowed. Names the parameter, the value and what is allowed. */
export class InvalidArgumentError extends RoutesimError {
  readonly parameter: string
  readonly value: unknown
  readonly allowed: string

  constructor(options: { parameter: string; value: unknown; allowed: string; message?: string; cause?: unknown }) {
    super('invalid_argument', options.message ?? `Invalid ${options.parameter}: ${describeValue(options.value)}. Allowed: ${options.allowed}.`, {
      cause: options.cause,
    })
    this.name = 'InvalidArgumentError'
    this.parameter = options.parameter
    this.value = options.value
    this.allowed = options.allowed
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return hasMarker(error, marker)
  }
}
