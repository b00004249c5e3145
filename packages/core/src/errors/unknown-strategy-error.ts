import { RoutesimError, brand, describeValue, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.unknown_strategy'
// Control and format characters (newlines, ESC of ANSI sequences, bidi overrides) must not reach a terminal raw.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u

/** A name as typed when it is short and printable; otherwise quoted, escaped and shortened. */
function printableName(name: unknown): string {
  return typeof name === 'string' && name.length <= 128 && !UNPRINTABLE.test(name) ? name : describeValue(name)
}

/** No strategy is registered under the name; the message lists the available ones (seed wording). */
export class UnknownStrategyError extends RoutesimError {
  readonly strategyName: string
  readonly availableStrategies: readonly string[]

  constructor(options: { strategyName: string; availableStrategies: readonly string[] }) {
    super(
      'unknown_strategy',
      `Unknown routing strategy: ${printableName(options.strategyName)}. Available strategies: [${options.availableStrategies.map((s) => `'${s}'`).join(', ')}]`,
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
