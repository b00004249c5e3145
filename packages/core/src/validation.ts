import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import { ShapeMismatchError } from './errors/shape-mismatch-error.ts'
import { InvalidLogitsError } from './errors/invalid-logits-error.ts'
import { LIMITS, checkAllocation, checkLimit } from './limits.ts'
import type { ShapedInput, Tensor, TypedArray } from './tensor.ts'
import type { Prng } from './prng.ts'

export function assertInteger(parameter: string, value: unknown, options: { min?: number; max?: number } = {}): number {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError({ parameter, value, allowed: `an integer in [${min}, ${max}]` })
  }
  return value
}

export function assertPositiveInteger(parameter: string, value: unknown, max?: number): number {
  return assertInteger(parameter, value, max === undefined ? { min: 1 } : { min: 1, max })
}

export function assertNonNegativeInteger(parameter: string, value: unknown, max?: number): number {
  return assertInteger(parameter, value, max === undefined ? { min: 0 } : { min: 0, max })
}

/** A finite number, optionally bounded; `exclusiveMin` for strictly-positive quantities (std, exponents). */
export function assertFiniteNumber(
  parameter: string,
  value: unknown,
  options: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, exclusiveMin = false, exclusiveMax = false } = options
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && (exclusiveMax ? value < max : value <= max)
  if (!ok) {
    const lo = min === -Infinity ? '(-∞' : `${exclusiveMin ? '(' : '['}${min}`
    const hi = max === Infinity ? '∞)' : `${max}${exclusiveMax ? ')' : ']'}`
    throw new InvalidArgumentError({ parameter, value, allowed: `a finite number in ${lo}, ${hi}` })
  }
  return value
}

export function assertOneOf<T extends string>(parameter: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError({ parameter, value, allowed: allowed.map((a) => `'${a}'`).join(', ') })
  }
  return value as T
}

function describeShape(shape: unknown): string {
  return Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)
}

function assertShape(parameter: string, tensor: unknown, rank: number): readonly number[] {
  const shape = (tensor as { shape?: unknown } | null | undefined)?.shape
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new ShapeMismatchError({
      parameter: `${parameter}.shape`,
      expected: `${rank} non-negative integer dimensions`,
      actual: describeShape(shape),
    })
  }
  return shape as number[]
}

/** `hiddenStates` `[T, H]`: only the shape is read. Returns T. */
export function readTokenCount(hiddenStates: ShapedInput): number {
  const shape = assertShape('hiddenStates', hiddenStates, 2)
  return shape[0]!
}

type ArrayConstructorLike = { new (length: number): TypedArray; name: string }

/** Checks a 2-D tensor's shape, data type and data length; returns `[rows, cols]`. */
export function assertMatrix(
  parameter: string,
  tensor: Tensor | ShapedInput,
  options: { dataTypes?: readonly ArrayConstructorLike[]; requireData?: boolean } = {},
): [number, number] {
  const shape = assertShape(parameter, tensor, 2)
  const rows = shape[0]!
  const cols = shape[1]!
  const data = tensor.data
  if (options.requireData !== false || data !== undefined) {
    const types = options.dataTypes
    if (data === undefined || !ArrayBuffer.isView(data) || (types && !types.some((t) => data instanceof t))) {
      throw new InvalidArgumentError({
        parameter: `${parameter}.data`,
        value: data,
        allowed: types ? types.map((t) => t.name).join(' or ') : 'a typed array',
      })
    }
    if (data.length !== rows * cols) {
      throw new ShapeMismatchError({
        parameter: `${parameter}.data.length`,
        expected: `${rows * cols} (= ${rows} × ${cols})`,
        actual: String(data.length),
      })
    }
  }
  return [rows, cols]
}

/** Checks the seed's arguments: `hiddenStates` `[T, H]`, `routerLogits` `[T', E]` with T' = T, and topK. */
export function assertRoutingInputs(
  hiddenStates: ShapedInput,
  routerLogits: Tensor | ShapedInput,
  topK: unknown,
  options: { distinct: boolean; requireLogits?: boolean },
): { numTokens: number; numExperts: number; topK: number } {
  const numTokens = readTokenCount(hiddenStates)
  const logitOptions = options.requireLogits ? { dataTypes: [Float32Array, Float64Array] as const, requireData: true } : { requireData: false }
  const [logitRows, numExperts] = assertMatrix('routerLogits', routerLogits, logitOptions)
  if (logitRows !== numTokens) {
    throw new ShapeMismatchError({
      parameter: 'routerLogits.shape[0]',
      expected: `${numTokens} (hiddenStates.shape[0])`,
      actual: String(logitRows),
    })
  }
  if (numExperts === 0) {
    throw new InvalidArgumentError({ parameter: 'numExperts (routerLogits.shape[1])', value: 0, allowed: `an integer in [1, ${LIMITS.maxExperts}]` })
  }
  checkLimit('numExperts (routerLogits.shape[1])', numExperts, 'maxExperts', 1)
  checkLimit('numTokens (hiddenStates.shape[0])', numTokens, 'maxTokens', 0)
  const k = options.distinct ? assertInteger('topK', topK, { min: 1, max: Math.min(numExperts, LIMITS.maxTopK) }) : checkLimit('topK', topK, 'maxTopK', 1)
  // Before any strategy allocates its [T, k] outputs (and, for routers, reads [T, E] logits).
  checkAllocation('numTokens × topK', [[numTokens * k, 8]])
  return { numTokens, numExperts, topK: k }
}

/**
 * For a kernel that found a NaN/±Inf somewhere in `row`: throws InvalidLogitsError at the row's first
 * one (the first in the whole input, when earlier rows were finite).
 */
export function throwFirstNonFiniteInRow(parameter: string, data: Float32Array | Float64Array, row: number, cols: number): never {
  const base = row * cols
  for (let j = 0; j < cols; j++) {
    const v = data[base + j]!
    if (v - v !== 0) throw new InvalidLogitsError({ parameter, row, column: j, value: v })
  }
  throw new Error(`unreachable: row ${row} was reported non-finite but holds only finite values`)
}

/** Rejects NaN/±Inf logits with the first offending position. */
export function assertFiniteLogits(parameter: string, data: Float32Array | Float64Array, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    // v - v is NaN exactly for NaN and ±Infinity; one subtraction beats two Number.isFinite calls.
    if (v - v !== 0) throw new InvalidLogitsError({ parameter, row: Math.floor(i / cols), column: i % cols, value: v })
  }
}

const PRNG_METHODS = ['nextUint32', 'fillUint32', 'nextDouble', 'nextInt', 'nextNormal'] as const

/** A PRNG argument must be one (`createPrng`): a missing or fake one would otherwise fail deep inside a sampler. */
export function assertPrng(parameter: string, prng: unknown): Prng {
  if (typeof prng !== 'object' || prng === null || PRNG_METHODS.some((m) => typeof (prng as Record<string, unknown>)[m] !== 'function')) {
    throw new InvalidArgumentError({ parameter, value: prng, allowed: 'a Prng from createPrng' })
  }
  return prng as Prng
}
