import { InvalidArgumentError } from './errors/invalid-argument-error.ts'

export type TypedArray =
  Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array

/** A dense row-major tensor: `data[i * shape[1] + j]` is element (i, j). */
export interface Tensor<D extends TypedArray = TypedArray> {
  readonly data: D
  readonly shape: readonly number[]
}

/** `hiddenStates` is read only for its shape, so its data may be absent (the seed reads only `shape[0]`). */
export interface ShapedInput {
  readonly data?: TypedArray
  readonly shape: readonly number[]
}

/** Expert-id dtypes; `int64` maps to `BigInt64Array` (the seed's default `torch.long`). */
export type IndexDtype = 'int32' | 'uint32' | 'int64'
export const INDEX_DTYPES: readonly IndexDtype[] = ['int32', 'uint32', 'int64']
export type IndexArray = Int32Array | Uint32Array | BigInt64Array

export type IndexArrayOf<D extends IndexDtype> = D extends 'int64' ? BigInt64Array : D extends 'uint32' ? Uint32Array : Int32Array

/** `[topkWeights, topkIds]`, shapes `[T, topK]`, as the seed's `route_tokens` returns. */
export type RoutingResult<I extends IndexArray = IndexArray> = [Tensor<Float32Array>, Tensor<I>]

/** Validates an `indicesType` argument; `undefined` means `int32`. */
export function resolveIndexDtype(indicesType: unknown): IndexDtype {
  if (indicesType === undefined || indicesType === null) return 'int32'
  if (typeof indicesType === 'string' && (INDEX_DTYPES as readonly string[]).includes(indicesType)) {
    return indicesType as IndexDtype
  }
  throw new InvalidArgumentError({
    parameter: 'indicesType',
    value: indicesType,
    allowed: INDEX_DTYPES.map((d) => `'${d}'`).join(', '),
  })
}

/** Converts int32 expert ids to the requested dtype (no copy for int32). */
export function toIndexArray(ids: Int32Array, dtype: IndexDtype): IndexArray {
  switch (dtype) {
    case 'int32':
      return ids
    case 'uint32':
      return new Uint32Array(ids.buffer, ids.byteOffset, ids.length).slice()
    case 'int64': {
      const out = new BigInt64Array(ids.length)
      for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]!)
      return out
    }
  }
}

/** Reads expert ids of any index dtype as plain numbers. */
export function indexArrayToInt32(ids: IndexArray): Int32Array {
  if (ids instanceof Int32Array) return ids
  if (
    !(ids instanceof BigInt64Array) &&
    !(ids instanceof Float64Array) &&
    !(ids instanceof Float32Array) &&
    !(ids instanceof Uint32Array) &&
    !Array.isArray(ids)
  ) {
    throw new InvalidArgumentError({ parameter: 'ids', value: ids, allowed: 'an Int32Array or a BigInt64Array of expert ids' })
  }
  const out = new Int32Array(ids.length)
  if (ids instanceof BigInt64Array) for (let i = 0; i < ids.length; i++) out[i] = Number(ids[i]!)
  else for (let i = 0; i < ids.length; i++) out[i] = ids[i]!
  return out
}

export function createTensor<D extends TypedArray>(data: D, shape: readonly number[]): Tensor<D> {
  if (!ArrayBuffer.isView(data) || !Array.isArray(shape)) {
    throw new InvalidArgumentError({ parameter: 'createTensor', value: { data, shape }, allowed: 'a typed array and a shape array' })
  }
  return { data, shape: [...shape] }
}
