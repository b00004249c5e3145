import { InvalidArgumentError, assertPositiveInteger } from '@routesim/core'

/** Expert ids as any routing source returns them: int32/uint32/int64 tensors' data or a plain array. */
export type ExpertIds = ArrayLike<number> | BigInt64Array

/**
 * Ids as numbers, converted once (BigInt64Array is the seed's default `torch.long` dtype) so hot loops index
 * one array type instead of branching per element.
 */
export function asNumberIds(ids: ExpertIds): ArrayLike<number> {
  if (!(ids instanceof BigInt64Array)) return ids
  const out = new Float64Array(ids.length)
  for (let i = 0; i < ids.length; i++) out[i] = Number(ids[i]!)
  return out
}

export function invalidId(parameter: string, index: number, value: number, numExperts: number): InvalidArgumentError {
  return new InvalidArgumentError({
    parameter: `${parameter}[${index}]`,
    value,
    allowed: `an integer expert id in [0, ${numExperts - 1}]`,
  })
}

/** Rejects anything that is not an array or typed array of ids. */
export function assertIdsArray(parameter: string, ids: unknown): void {
  if (ids === null || typeof ids !== 'object' || typeof (ids as { length?: unknown }).length !== 'number') {
    throw new InvalidArgumentError({ parameter, value: ids, allowed: 'an array or typed array of expert ids ([T, k] row-major)' })
  }
}

/** `ids.length` must be T·k; returns T. */
export function assertIdsShape(ids: ExpertIds, topK: unknown): number {
  assertIdsArray('ids', ids)
  const k = assertPositiveInteger('topK', topK)
  if (ids.length % k !== 0) {
    throw new InvalidArgumentError({
      parameter: 'ids.length',
      value: ids.length,
      allowed: `a multiple of topK (${k}), since ids are [tokens, topK] row-major`,
    })
  }
  return ids.length / k
}
