import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.shape_mismatch'

/** A tensor's shape or data length disagrees with what the call needs. */
export class ShapeMismatchError extends RoutesimError {
  readonly parameter: string
  readonly expected: string
  readonly actual: string

  constructor(options: { parameter: string; expected: string; actual: string }) {
    super('shape_mismatch', `Shape mismatch for ${options.parameter}: expected ${options.expected}, got ${options.actual}.`)
    this.name = 'ShapeMismatchError'
    this.parameter = options.parameter
    this.expected = options.expected
    this.actual = options.actual
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is ShapeMismatchError {
    return hasMarker(error, marker)
  }
}
