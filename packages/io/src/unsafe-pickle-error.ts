import { RoutesimError, brand, hasMarker } from '@routesim/core'

const marker = 'routesim.error.unsafe_pickle'

/**
 * A pickle asked for something a tensor file never needs (a global outside the allow-list, or an opcode
 * that calls arbitrary code). Nothing was executed: the restricted unpickler only interprets data.
 */
export class UnsafePickleError extends RoutesimError {
  readonly file: string
  readonly global: string

  constructor(options: { file: string; global: string; allowed: readonly string[] }) {
    super(
      'unsafe_pickle',
      `Refused to load ${options.file}: its pickle asks for ${options.global}, which is not a tensor-loading global. ` +
        `Nothing was executed. Allowed: ${options.allowed.join(', ')}.`,
    )
    this.name = 'UnsafePickleError'
    this.file = options.file
    this.global = options.global
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is UnsafePickleError {
    return hasMarker(error, marker)
  }
}
