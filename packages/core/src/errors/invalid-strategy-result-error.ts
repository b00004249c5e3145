import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.invalid_strategy_result'

/**
 * A strategy that is not a built-in returned something that is not a valid routing: the wrong shape or
 * dtype, ids out of range, non-finite weights, repeated ids where distinct ones were promised, or not
 * a result at all (undefined, a Promise). Names the strategy and, when it came from one, the plugin.
 */
export class InvalidStrategyResultError extends RoutesimError {
  readonly strategyName: string
  readonly plugin: string | undefined
  readonly problem: string

  constructor(options: { strategyName: string; plugin?: string | undefined; problem: string }) {
    const origin = options.plugin ? ` (from plugin ${JSON.stringify(options.plugin)})` : ''
    super(
      'invalid_strategy_result',
      `Strategy '${options.strategyName}'${origin} returned an invalid result: ${options.problem}. Allowed: [weights Float32Array [T, k] of finite numbers, ids [T, k] of the requested dtype in [0, E)].`,
    )
    this.name = 'InvalidStrategyResultError'
    this.strategyName = options.strategyName
    this.plugin = options.plugin
    this.problem = options.problem
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is InvalidStrategyResultError {
    return hasMarker(error, marker)
  }
}
