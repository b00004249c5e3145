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

/** Longest rendering of one value in an error message; longer text is cut with a note of its length. */
export const MAX_DESCRIBED_CHARS = 200
const MAX_DESCRIBED_DEPTH = 4
const MAX_DESCRIBED_ITEMS = 8

function truncate(text: string): string {
  return text.length <= MAX_DESCRIBED_CHARS ? text : `${text.slice(0, MAX_DESCRIBED_CHARS)}… (${text.length} characters)`
}

function quote(text: string): string {
  // Quote at most a prefix: a 50 MB string must not be copied into the message.
  const head = text.length > MAX_DESCRIBED_CHARS ? text.slice(0, MAX_DESCRIBED_CHARS) : text
  // JSON escapes C0 controls; DEL, C1 controls, format characters (bidi overrides) and line separators too,
  // so no value can move the cursor, recolour or reorder a terminal line.
  const quoted = JSON.stringify(head).replace(/[\u007f-\u009f\p{Cf}\u2028\u2029]/gu, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  )
  return text.length > MAX_DESCRIBED_CHARS ? `${quoted.slice(0, -1)}…" (${text.length} characters)` : quoted
}

function describeAt(value: unknown, depth: number): string {
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value)
  if (typeof value === 'symbol') return truncate(value.toString())
  if (typeof value === 'function') return `[function ${truncate(value.name || 'anonymous')}]`
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`
  // Depth is capped, so a 200k-deep value renders in bounded time and stack.
  if (depth >= MAX_DESCRIBED_DEPTH) return Array.isArray(value) ? '[…]' : '{…}'
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_DESCRIBED_ITEMS).map((v) => describeAt(v, depth + 1))
    return truncate(`[${items.join(', ')}${value.length > MAX_DESCRIBED_ITEMS ? ', …' : ''}]`)
  }
  if (typeof (value as { then?: unknown }).then === 'function') return 'a Promise'
  let keys: string[]
  try {
    keys = Object.keys(value as object)
  } catch {
    return Object.prototype.toString.call(value)
  }
  const parts: string[] = []
  for (const key of keys.slice(0, MAX_DESCRIBED_ITEMS)) {
    let item: unknown
    try {
      item = (value as Record<string, unknown>)[key]
    } catch {
      item = '[getter threw]'
    }
    parts.push(`${quote(key)}:${describeAt(item, depth + 1)}`)
  }
  return truncate(`{${parts.join(',')}${keys.length > MAX_DESCRIBED_ITEMS ? ',…' : ''}}`)
}

/**
 * Renders a value for an error message: short (strings cut at MAX_DESCRIBED_CHARS, at most 8 items
 * and 4 levels), unambiguous, never throws, and bounded in time and stack for any input.
 */
export function describeValue(value: unknown): string {
  try {
    return describeAt(value, 0)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
