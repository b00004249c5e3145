const baseMarker = 'routesim.error'

/** Every error routesim throws. `code` is stable; match on it (or `isInstance`), not on messages. */
export class RoutesimError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RoutesimError'
    this.code = code
    // A Symbol.for brand survives duplicate copies of this package, where `instanceof` does not.
    brand(this, baseMarker)
  }

  static isInstance(error: unknown): error is RoutesimError {
    return hasMarker(error, baseMarker)
  }
}

/** Marks an error object as an instance of a subclass, by its own `Symbol.for` brand. */
export function brand(error: object, marker: string): void {
  Object.defineProperty(error, Symbol.for(marker), { value: true, enumerable: false })
}

export function hasMarker(error: unknown, marker: string): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for(marker)] === true
}

/** Renders a value for an error message: short, unambiguous, never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value)
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`
  if (Array.isArray(value)) return value.length > 8 ? `[${value.slice(0, 8).map(describeValue).join(', ')}, …]` : `[${value.map(describeValue).join(', ')}]`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
