// Sorted insertion into a best-`size` list, the step every top-k scan here shares. Callers keep the cheap
// "does it belong?" test inline on their hot path and call these only for a value that belongs in the list:
// while `filled < size`, or when it beats `values[size - 1]`; a full list then drops its last entry. An equal
// value goes below those already there, so ties keep their order of arrival (the lower expert id first, when
// ids arrive in order). Two functions, not one with optional ids: each stays monomorphic and inlined.

/** Inserts `value` with its `id` into the descending `values`/`ids` of length `filled`; returns the new length. */
export function insertEntry(values: Float64Array, ids: Int32Array, size: number, filled: number, value: number, id: number): number {
  let pos = filled < size ? filled++ : size - 1
  while (pos > 0 && values[pos - 1]! < value) {
    values[pos] = values[pos - 1]!
    ids[pos] = ids[pos - 1]!
    pos--
  }
  values[pos] = value
  ids[pos] = id
  return filled
}

/** Inserts `value` into the descending `values` of length `filled`; returns the new length. */
export function insertValue(values: Float64Array, size: number, filled: number, value: number): number {
  let pos = filled < size ? filled++ : size - 1
  while (pos > 0 && values[pos - 1]! < value) {
    values[pos] = values[pos - 1]!
    pos--
  }
  values[pos] = value
  return filled
}
