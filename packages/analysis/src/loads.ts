import { InvalidArgumentError, ShapeMismatchError, type Tensor } from '@routesim/core'

/** Per-expert (or per-rank) loads: counts, or any non-negative finite numbers. */
export type Loads = ArrayLike<number>

/** Rejects empty, negative, NaN or infinite loads, naming the first bad position. */
export function assertLoads(parameter: string, loads: Loads): Loads {
  if (loads === null || typeof loads !== 'object' || typeof loads.length !== 'number') {
    throw new InvalidArgumentError({ parameter, value: loads, allowed: 'an array or typed array of non-negative numbers' })
  }
  if (loads.length === 0) {
    throw new InvalidArgumentError({ parameter: `${parameter}.length`, value: 0, allowed: 'at least one entry' })
  }
  for (let i = 0; i < loads.length; i++) {
    const v = loads[i]!
    if (!(typeof v === 'number' && v >= 0 && v < Infinity)) {
      throw new InvalidArgumentError({ parameter: `${parameter}[${i}]`, value: v, allowed: 'a finite number ≥ 0' })
    }
  }
  return loads
}

export function sumOf(loads: Loads): number {
  let s = 0
  for (let i = 0; i < loads.length; i++) s += loads[i]!
  return s
}

export function maxOf(loads: Loads): number {
  let m = -Infinity
  for (let i = 0; i < loads.length; i++) if (loads[i]! > m) m = loads[i]!
  return m
}

export function minOf(loads: Loads): number {
  let m = Infinity
  for (let i = 0; i < loads.length; i++) if (loads[i]! < m) m = loads[i]!
  return m
}

/** A `[layers, columns]` load matrix: a 2-D tensor, or one row per layer. */
export type LoadMatrix = Tensor | readonly Loads[]

/** Layer rows of a `[layers, columns]` load matrix; validates equal row lengths and non-negative finite loads. */
export function readLoadRows(parameter: string, weight: LoadMatrix): Loads[] {
  if (Array.isArray(weight)) {
    const rows = weight as readonly Loads[]
    if (rows.length === 0) throw new InvalidArgumentError({ parameter, value: weight, allowed: 'at least one layer' })
    rows.forEach((row, i) => assertLoads(`${parameter}[${i}]`, row))
    const width = rows[0]!.length
    rows.forEach((row, i) => {
      if (row.length !== width) {
        throw new ShapeMismatchError({ parameter: `${parameter}[${i}].length`, expected: String(width), actual: String(row.length) })
      }
    })
    return [...rows]
  }
  const tensor = weight as Tensor
  const shape = tensor?.shape
  if (!Array.isArray(shape) || shape.length !== 2 || !ArrayBuffer.isView(tensor.data) || tensor.data.length !== shape[0]! * shape[1]!) {
    throw new ShapeMismatchError({ parameter, expected: 'a [layers, experts] tensor or an array of per-layer rows', actual: String(shape) })
  }
  const [numLayers, width] = shape as [number, number]
  if (numLayers === 0 || width === 0)
    throw new ShapeMismatchError({ parameter: `${parameter}.shape`, expected: 'non-empty', actual: `[${numLayers}, ${width}]` })
  const data = tensor.data as unknown as ArrayLike<number>
  const rows: Loads[] = []
  for (let l = 0; l < numLayers; l++) {
    const row = Float64Array.from({ length: width }, (_, i) => Number(data[l * width + i]!))
    rows.push(assertLoads(`${parameter}[${l}]`, row))
  }
  return rows
}
