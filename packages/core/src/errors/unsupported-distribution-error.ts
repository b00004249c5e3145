import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.unsupported_distribution'

/** `DistributionBasedRouting` was given a distribution it does not know (seed wording). */
export class UnsupportedDistributionError extends RoutesimError {
  readonly distribution: string
  readonly supportedDistributions: readonly string[]

  constructor(options: { distribution: string; supportedDistributions: readonly string[] }) {
    super(
      'unsupported_distribution',
      `Unsupported distribution: ${options.distribution}. Supported distributions: [${options.supportedDistributions.map((d) => `'${d}'`).join(', ')}]`,
    )
    this.name = 'UnsupportedDistributionError'
    this.distribution = options.distribution
    this.supportedDistributions = [...options.supportedDistributions]
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is UnsupportedDistributionError {
    return hasMarker(error, marker)
  }
}
