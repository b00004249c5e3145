import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.invalid_logits'

/** Router logits hold NaN or ±Infinity; routing them would be a silent, arbitrary pick. */
export class InvalidLogitsError extends RoutesimError {
  readonly row: number
  readonly column: number
  readonly value: number

  constructor(options: { parameter?: string; row: number; column: number; value: number }) {
    super(
      'invalid_logits',
      `Invalid ${options.parameter ?? 'routerLogits'}: row ${options.row}, expert ${options.column} is ${options.value}. Allowed: finite numbers.`,
    )
    this.name = 'InvalidLogitsError'
    this.row = options.row
    this.column = options.column
    this.value = options.value
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is InvalidLogitsError {
    return hasMarker(error, marker)
  }
}
