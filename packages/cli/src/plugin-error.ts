import { RoutesimError } from '@routesim/core'

const marker = 'routesim.error.plugin'

/**
 * A `--plugin` module failed: it could not be found or imported, its import did not settle in time,
 * it exported no strategy, or one of its strategies threw something other than a routesim error.
 * The message always names the plugin (and the strategy, when one was running).
 */
export class PluginError extends RoutesimError {
  readonly plugin: string
  readonly strategyName: string | undefined

  constructor(options: { plugin: string; strategyName?: string; problem: string; cause?: unknown }) {
    const strategy = options.strategyName === undefined ? '' : `, strategy '${options.strategyName}'`
    super('plugin_failed', `plugin '${options.plugin}'${strategy}: ${options.problem}`, { cause: options.cause })
    this.name = 'PluginError'
    this.plugin = options.plugin
    this.strategyName = options.strategyName
    // Same Symbol.for brand scheme as core's errors, so duplicate copies still recognise it.
    Object.defineProperty(this, Symbol.for(marker), { value: true, enumerable: false })
  }

  static override isInstance(error: unknown): error is PluginError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for(marker)] === true
  }
}
