import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.duplicate_strategy'

/** A strategy with this name is already registered and `{ replace: true }` was not passed. */
export class DuplicateStrategyError extends RoutesimError {
  readonly strategyName: string

  constructor(options: { strategyName: string }) {
    super('duplicate_strategy', `A routing strategy named '${options.strategyName}' is already registered. Pass { replace: true } to replace it.`)
    this.name = 'DuplicateStrategyError'
    this.strategyName = options.strategyName
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is DuplicateStrategyError {
    return hasMarker(error, marker)
  }
}
