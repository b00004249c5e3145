import { InvalidArgumentError } from '@routesim/core'

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
