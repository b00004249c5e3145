import { MAX_ELEMENTS, MAX_NDIM, type NdArray } from './nd-array.ts'
import { TraceFormatError } from './trace-format-error.ts'

/** Text traces are parsed whole; above this size use a binary format. */
export const MAX_TEXT_TRACE_BYTES = 256 * 1024 * 1024

/**
 * A nested JSON array of numbers as a float64 NdArray (or int32 when every value is an integer in
 * range). Rectangular, at most `MAX_NDIM` deep; walked without recursion.
 */
export function nestedToArray(value: unknown, file: string, part: string): NdArray {
  const shape: number[] = []
  let probe: unknown = value
  while (Array.isArray(probe)) {
    if (shape.length >= MAX_NDIM) throw new TraceFormatError({ file, part, problem: `nested deeper than ${MAX_NDIM} levels` })
    shape.push(probe.length)
    probe = probe[0]
  }
  const count = shape.reduce((a, b) => a * b, 1)
  if (count > MAX_ELEMENTS) throw new TraceFormatError({ file, part, problem: `more than ${MAX_ELEMENTS} values` })
  const out = new Float64Array(count)
  let integral = true
  let at = 0
  // An explicit stack of [array, depth] instead of recursion: depth is bounded, but width is not.
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (depth === shape.length) {
      if (typeof node !== 'number' || !Number.isFinite(node))
        throw new TraceFormatError({ file, part, problem: `${JSON.stringify(node)} at value ${at} is not a finite number` })
      out[at++] = node
      if (!Number.isInteger(node) || Math.abs(node) > 2 ** 31 - 1) integral = false
      continue
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new TraceFormatError({ file, part, problem: `not rectangular: expected ${shape[depth]} entries at depth ${depth}` })
    }
    for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], depth + 1])
  }
  if (integral && count > 0) return { dtype: 'int32', shape, data: Int32Array.from(out) }
  return { dtype: 'float64', shape, data: out }
}

function parseJson(text: string, file: string, part: string): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new TraceFormatError({ file, part, problem: `invalid JSON (${(cause as Error).message})`, cause })
  }
}

const STEP_KEYS = new Set(['step', 'layer'])

/**
 * JSON: one object of named nested arrays (`{"topk_ids": [[…]], "topk_weights": …}` or
 * `{"counts": …}`), or a list of per-(step, layer) objects as JSONL has them.
 */
export function readJsonArrays(text: string, file: string): Record<string, NdArray> {
  const value = parseJson(text, file, 'JSON')
  if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)))
    return stackRecords(value as Record<string, unknown>[], file)
  if (Array.isArray(value)) return { '': nestedToArray(value, file, 'JSON') }
  if (typeof value !== 'object' || value === null) throw new TraceFormatError({ file, part: 'JSON', problem: 'neither an object of arrays nor an array' })
  const out: Record<string, NdArray> = Object.create(null)
  for (const [key, v] of Object.entries(value)) if (Array.isArray(v)) out[key] = nestedToArray(v, file, key)
  return out
}

/** JSONL: one object per line, each with `step`, `layer` and the same named arrays. */
export function readJsonlArrays(text: string, file: string): Record<string, NdArray> {
  const records: Record<string, unknown>[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    const value = parseJson(line, file, `line ${i + 1}`)
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new TraceFormatError({ file, part: `line ${i + 1}`, problem: 'is not a JSON object' })
    records.push(value as Record<string, unknown>)
  }
  if (records.length === 0) throw new TraceFormatError({ file, part: 'JSONL', problem: 'no records' })
  return stackRecords(records, file)
}

/** Per-(step, layer) records → arrays with leading [steps, layers] dimensions. */
function stackRecords(records: Record<string, unknown>[], file: string): Record<string, NdArray> {
  let steps = 0
  let layers = 0
  for (const [i, r] of records.entries()) {
    const step = r['step'] ?? 0
    const layer = r['layer'] ?? 0
    if (
      !Number.isInteger(step) ||
      !Number.isInteger(layer) ||
      (step as number) < 0 ||
      (layer as number) < 0 ||
      (step as number) > 1e7 ||
      (layer as number) > 1e5
    ) {
      throw new TraceFormatError({
        file,
        part: `record ${i + 1}`,
        problem: `step ${JSON.stringify(step)} / layer ${JSON.stringify(layer)} are not small non-negative integers`,
      })
    }
    steps = Math.max(steps, (step as number) + 1)
    layers = Math.max(layers, (layer as number) + 1)
  }
  if (steps * layers !== records.length) {
    throw new TraceFormatError({ file, part: 'records', problem: `${records.length} records do not cover ${steps} steps × ${layers} layers exactly once` })
  }
  const keys = Object.keys(records[0]!).filter((k) => !STEP_KEYS.has(k) && Array.isArray(records[0]![k]))
  const out: Record<string, NdArray> = Object.create(null)
  for (const key of keys) {
    let inner: number[] | undefined
    let data: Float64Array | undefined
    let integral = true
    const seen = new Uint8Array(steps * layers)
    for (const [i, r] of records.entries()) {
      const a = nestedToArray(r[key], file, `record ${i + 1} ${key}`)
      if (!inner) {
        inner = [...a.shape]
        const per = a.data.length
        if (per * steps * layers > MAX_ELEMENTS) throw new TraceFormatError({ file, part: key, problem: `more than ${MAX_ELEMENTS} values` })
        data = new Float64Array(per * steps * layers)
      } else if (a.shape.join() !== inner.join()) {
        throw new TraceFormatError({
          file,
          part: `record ${i + 1} ${key}`,
          problem: `shape [${a.shape.join(', ')}] differs from the first record's [${inner.join(', ')}]`,
        })
      }
      if (a.dtype !== 'int32') integral = false
      const slot = ((r['step'] as number | undefined) ?? 0) * layers + ((r['layer'] as number | undefined) ?? 0)
      if (seen[slot]) throw new TraceFormatError({ file, part: `record ${i + 1}`, problem: 'repeats a (step, layer) pair' })
      seen[slot] = 1
      data!.set(a.data as ArrayLike<number>, slot * a.data.length)
    }
    const shape = [steps, layers, ...inner!]
    out[key] = integral ? { dtype: 'int32', shape, data: Int32Array.from(data!) } : { dtype: 'float64', shape, data: data! }
  }
  return out
}

/**
 * CSV of per-expert counts: one row per layer (or per step and layer), optional header; columns
 * named `step`/`layer` index the rows, every other column is an expert.
 */
export function readCsvArrays(text: string, file: string): Record<string, NdArray> {
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((c) => c.trim()))
  if (rows.length === 0) throw new TraceFormatError({ file, part: 'CSV', problem: 'no rows' })
  const numeric = (c: string): boolean => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(c)
  const header = rows[0]!.some((c) => !numeric(c)) ? rows.shift()! : undefined
  if (rows.length === 0) throw new TraceFormatError({ file, part: 'CSV', problem: 'a header and no rows of counts' })
  const stepCol = header?.indexOf('step') ?? -1
  const layerCol = header?.indexOf('layer') ?? -1
  const width = rows[0]?.length ?? 0
  const expertCols = Array.from({ length: width }, (_, i) => i).filter((i) => i !== stepCol && i !== layerCol)
  if (expertCols.length === 0) throw new TraceFormatError({ file, part: 'CSV', problem: 'no expert columns (only step/layer)' })
  const records = rows.map((row, r) => {
    if (row.length !== width) throw new TraceFormatError({ file, part: `row ${r + 1}`, problem: `${row.length} columns, the first row has ${width}` })
    for (const [c, cell] of row.entries())
      if (!numeric(cell))
        throw new TraceFormatError({ file, part: `row ${r + 1}, column ${c + 1}`, problem: `${JSON.stringify(cell.slice(0, 40))} is not a number` })
    return {
      step: stepCol >= 0 ? Number(row[stepCol]) : 0,
      layer: layerCol >= 0 ? Number(row[layerCol]) : r,
      counts: expertCols.map((c) => Number(row[c])),
    }
  })
  if (stepCol < 0 && layerCol < 0)
    return {
      counts: nestedToArray(
        records.map((r) => r.counts),
        file,
        'CSV',
      ),
    }
  const stacked = stackRecords(records, file)
  return stacked
}

/** JSON text of arrays: nested lists, int64 as numbers. */
export function arrayToNested(a: NdArray): unknown {
  const flat = Array.from(a.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v))
  if (a.shape.length === 0) return flat[0]
  let level: unknown[] = flat
  for (let d = a.shape.length - 1; d >= 1; d--) {
    const size = a.shape[d]!
    const next: unknown[] = []
    for (let i = 0; i < level.length; i += size) next.push(level.slice(i, i + size))
    level = next
  }
  return level
}
