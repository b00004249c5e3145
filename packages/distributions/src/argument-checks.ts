import { InvalidArgumentError, ShapeMismatchError, assertFiniteNumber, assertInteger, assertPrng } from '@routesim/core'

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

export { assertInteger, assertPrng }
