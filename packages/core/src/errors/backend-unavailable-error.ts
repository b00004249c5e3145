import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.backend_unavailable'

/** An explicitly requested kernel backend cannot run here. Never silently replaced by another. */
export class BackendUnavailableError extends RoutesimError {
  readonly mode: string
  readonly availableModes: readonly string[]

  constructor(options: { mode: string; reason: string; availableModes?: readonly string[]; cause?: unknown }) {
    const available = options.availableModes ?? []
    super(
      'backend_unavailable',
      `Backend '${options.mode}' is not available: ${options.reason}.${available.length ? ` Available here: [${available.map((m) => `'${m}'`).join(', ')}].` : ''}`,
      { cause: options.cause },
    )
    this.name = 'BackendUnavailableError'
    this.mode = options.mode
    this.availableModes = [...available]
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is BackendUnavailableError {
    return hasMarker(error, marker)
  }
}
