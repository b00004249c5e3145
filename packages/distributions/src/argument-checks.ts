import { InvalidArgumentError, ShapeMismatchError, assertFiniteNumber, assertInteger } from '@routesim/core'
import type { Prng } from '@routesim/core'

/** Largest count of values an index sampler may draw from: ids must fit an Int32Array. */
export const MAX_RANGE = 2 ** 31

export function assertInt32Output(parameter: string, out: unknown): Int32Array {
  if (!(out instanceof Int32Array)) throw new InvalidArgumentError({ parameter, value: out, allowed: 'an Int32Array' })
  return out
}

export function assertFloatOutput(parameter: string, out: unknown): Float32Array | Float64Array {
  if (!(out instanceof Float32Array) && !(out instanceof Float64Array)) {
    throw new InvalidArgumentError({ parameter, value: out, allowed: 'a Float32Array or a Float64Array' })
  }
  return out
}

/** `out` must hold exactly `rows × k` values, so a wrong buffer is never half-filled silently. */
export function assertRowsLength(parameter: string, out: { length: number }, rows: number, k: number): void {
  if (out.length !== rows * k) {
    throw new ShapeMismatchError({ parameter: `${parameter}.length`, expected: `${rows * k} (= ${rows} × ${k})`, actual: String(out.length) })
  }
}

export function assertNormalParameters(mean: unknown, std: unknown, options: { strictStd: boolean }): void {
  assertFiniteNumber('mean', mean)
  assertFiniteNumber('std', std, { min: 0, exclusiveMin: options.strictStd })
}

const PRNG_METHODS = ['nextUint32', 'fillUint32', 'nextDouble', 'nextInt', 'nextNormal'] as const

/** A PRNG argument must be one (`createPrng`): a missing one would otherwise fail deep inside a sampler. */
export function assertPrng(parameter: string, prng: unknown): Prng {
  if (typeof prng !== 'object' || prng === null || PRNG_METHODS.some((m) => typeof (prng as Record<string, unknown>)[m] !== 'function')) {
    throw new InvalidArgumentError({ parameter, value: prng, allowed: 'a Prng from createPrng' })
  }
  return prng as Prng
}

export { assertInteger }
