import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.config_validation'
/** Problems listed in the message; a file with 100k bad entries must not print 100k lines. */
const MAX_LISTED_ISSUES = 20

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `layers[3].strategy`. */
  readonly path: string
  readonly message: string
}

/** A configuration (scenario file, CLI flags) has problems; all of them are reported at once. */
export class ConfigValidationError extends RoutesimError {
  readonly issues: readonly ConfigIssue[]

  constructor(options: { source: string; issues: readonly ConfigIssue[] }) {
    super(
      'config_validation',
      `Invalid ${options.source} (${options.issues.length} problem${options.issues.length === 1 ? '' : 's'}):\n` +
        options.issues
          .slice(0, MAX_LISTED_ISSUES)
          .map((i) => `  - ${i.path}: ${i.message}`)
          .join('\n') +
        (options.issues.length > MAX_LISTED_ISSUES ? `\n  … and ${options.issues.length - MAX_LISTED_ISSUES} more (see the error's issues)` : ''),
    )
    this.name = 'ConfigValidationError'
    this.issues = [...options.issues]
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is ConfigValidationError {
    return hasMarker(error, marker)
  }
}
