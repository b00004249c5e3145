import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.unknown_strategy'

/** No strategy is registered under the name; the message lists the available ones (seed wording). */
export class UnknownStrategyError extends RoutesimError {
  readonly strategyName: string
  readonly availableStrategies: readonly string[]

  constructor(options: { strategyName: string; availableStrategies: readonly string[] }) {
    super(
      'unknown_strategy',
      `Unknown routing strategy: ${options.strategyName}. Available strategies: [${options.availableStrategies.map((s) => `'${s}'`).join(', ')}]`,
    )
    this.name = 'UnknownStrategyError'
    this.strategyName = options.strategyName
    this.availableStrategies = [...options.availableStrategies]
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is UnknownStrategyError {
    return hasMarker(error, marker)
  }
}
