import { InvalidArgumentError } from '@routesim/core'
import { TraceFormatError } from './trace-format-error.ts'

/** The element types routesim reads and writes, by numpy's names. */
export const DTYPES = ['bool', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'uint32', 'int64', 'float32', 'float64'] as const
export type Dtype = (typeof DTYPES)[number]

export type DtypeArray<D extends Dtype = Dtype> = {
  bool: Uint8Array
  uint8: Uint8Array
  int8: Int8Array
  uint16: Uint16Array
  int16: Int16Array
  int32: Int32Array
  uint32: Uint32Array
  int64: BigInt64Array
  float32: Float32Array
  float64: Float64Array
}[D]

/** A dense row-major (C-order) array: numpy's ndarray, torch's contiguous tensor. */
export interface NdArray<D extends Dtype = Dtype> {
  readonly dtype: D
  readonly shape: readonly number[]
  readonly data: DtypeArray<D>
}

interface DtypeInfo {
  readonly size: number
  readonly make: (buffer: ArrayBufferLike, byteOffset: number, length: number) => DtypeArray
}

export const DTYPE_INFO: Readonly<Record<Dtype, DtypeInfo>> = {
  bool: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  uint8: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  int8: { size: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  uint16: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  int16: { size: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  int32: { size: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  uint32: { size: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  int64: { size: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  float32: { size: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  float64: { size: 8, make: (b, o, n) => new Float64Array(b, o, n) },
}

/** At most this many dimensions and elements in one array: a bound for shapes read from files. */
export const MAX_NDIM = 8
export const MAX_ELEMENTS = 2 ** 31 - 1

/** Validates a shape read from a file and returns its element count. */
export function checkedElementCount(file: string, part: string, shape: readonly unknown[]): number {
  if (shape.length > MAX_NDIM) throw new TraceFormatError({ file, part, problem: `${shape.length} dimensions; at most ${MAX_NDIM} are supported` })
  let count = 1
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new TraceFormatError({ file, part, problem: `shape entry ${String(dim)} is not a non-negative integer` })
    }
    count *= dim
    if (count > MAX_ELEMENTS) throw new TraceFormatError({ file, part, problem: `shape [${shape.join(', ')}] has more than ${MAX_ELEMENTS} elements` })
  }
  return count
}

/**
 * A typed view of `length` elements at `byteOffset` in `bytes`: zero-copy when aligned, else one copy.
 * The bytes are little-endian (every supported host is).
 */
export function viewAs<D extends Dtype>(dtype: D, bytes: Uint8Array, byteOffset: number, length: number): DtypeArray<D> {
  const info = DTYPE_INFO[dtype]
  const start = bytes.byteOffset + byteOffset
  if (start % info.size === 0) return info.make(bytes.buffer, start, length) as DtypeArray<D>
  const copy = new Uint8Array(length * info.size)
  copy.set(bytes.subarray(byteOffset, byteOffset + length * info.size))
  return info.make(copy.buffer, 0, length) as DtypeArray<D>
}

/** The raw little-endian bytes of an array (a view, no copy). */
export function bytesOf(array: NdArray): Uint8Array {
  return new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength)
}

/** The dtype whose typed array this is (`Uint8Array` reads as uint8). */
export function dtypeOfArray(data: ArrayBufferView): Dtype {
  if (data instanceof Int32Array) return 'int32'
  if (data instanceof Uint32Array) return 'uint32'
  if (data instanceof BigInt64Array) return 'int64'
  if (data instanceof Float32Array) return 'float32'
  if (data instanceof Float64Array) return 'float64'
  if (data instanceof Uint8Array) return 'uint8'
  if (data instanceof Int8Array) return 'int8'
  if (data instanceof Uint16Array) return 'uint16'
  if (data instanceof Int16Array) return 'int16'
  throw new InvalidArgumentError({ parameter: 'data', value: data, allowed: `a typed array of one of ${DTYPES.join(', ')}` })
}

/**
 * Wraps a typed array and shape as an NdArray, checking that they agree.
 *
 * @example
 * ndarray(Int32Array.from([3, 1, 0, 2]), [2, 2]) // { dtype: 'int32', shape: [2, 2], data }
 */
export function ndarray<D extends Dtype>(data: DtypeArray<D>, shape: readonly number[], dtype?: D): NdArray<D> {
  const count = shape.reduce((a, b) => a * b, 1)
  if (count !== data.length)
    throw new InvalidArgumentError({ parameter: 'shape', value: shape, allowed: `a shape holding data.length = ${data.length} elements` })
  return { dtype: dtype ?? (dtypeOfArray(data) as D), shape: [...shape], data }
}

/** An array to be written: its data length must be what its shape says. */
export function assertArrayMatchesShape(name: string, array: NdArray): void {
  const count = checkedElementCount(name, 'shape', array.shape)
  if (array.data.length !== count) {
    throw new InvalidArgumentError({
      parameter: `${name}.shape`,
      value: array.shape,
      allowed: `a shape holding ${name}.data.length = ${array.data.length} elements`,
    })
  }
}

/** The chunks of a file joined into one buffer. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
