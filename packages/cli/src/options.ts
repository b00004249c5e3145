import { InvalidArgumentError, parseParameterValue } from '@routesim/core'
import type { ParameterSpecs, Seed } from '@routesim/core'

const INTEGER = /^[+-]?\d+$/

/**
 * Parses a flag that must be an integer in [min, max]; the error names the flag and shows what was typed.
 * @deprecated routesim's commands check their flags with one schema per command (`defineFlags`); this
 * stays for code that embeds the CLI and called it.
 */
export function parseIntegerOption(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER, note?: string): number {
  const value = INTEGER.test(raw.trim()) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`
    throw new InvalidArgumentError({ parameter: flag, value: raw, allowed: `an integer ${range}${note === undefined ? '' : ` (${note})`}` })
  }
  return value
}

/** `--seed`: any integer (a bigint beyond 2^53) or, failing that, the text itself as a string seed. */
export function parseSeedOption(raw: string): Seed {
  const text = raw.trim()
  if (INTEGER.test(text)) {
    const big = BigInt(text)
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
  }
  if (text === '') throw new InvalidArgumentError({ parameter: '--seed', value: raw, allowed: 'an integer or a non-empty string' })
  return text
}

/** Seeds as JSON can carry them (bigints become strings). */
export function seedToJson(seed: Seed): number | string {
  return typeof seed === 'bigint' ? seed.toString() : seed
}

/** commander collector for a repeatable option. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value]
}

/**
 * Turns repeated `--param key=value` flags into a parameter object, parsing each value by its spec
 * (numbers, booleans, comma-separated lists). Keys the strategy does not know are passed through as
 * text so the strategy's own validation reports them with the list of known parameters.
 */
export function parseStrategyParams(strategy: string, specs: ParameterSpecs, raw: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const entry of raw) {
    const eq = entry.indexOf('=')
    const key = eq > 0 ? entry.slice(0, eq).trim() : ''
    if (key === '') {
      throw new InvalidArgumentError({ parameter: '--param', value: entry, allowed: 'key=value, e.g. --param replacement=true' })
    }
    if (Object.hasOwn(params, key)) {
      throw new InvalidArgumentError({ parameter: `--param ${key}`, value: entry, allowed: 'each parameter at most once' })
    }
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined
    const value = entry.slice(eq + 1)
    // An own property even for `__proto__`, so the strategy rejects it by name instead of it vanishing.
    Object.defineProperty(params, key, {
      value: spec ? parseParameterValue(strategy, key, spec, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return params
}
