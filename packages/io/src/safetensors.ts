import { InvalidArgumentError } from '@routesim/core'
import { DTYPE_INFO, assertArrayMatchesShape, bytesOf, checkedElementCount, concatBytes, viewAs, type Dtype, type NdArray } from './nd-array.ts'
import { TraceFormatError } from './trace-format-error.ts'

/** safetensors' own cap on the header (100 MB); we keep a tighter one: trace headers are tiny. */
export const MAX_SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024

const ST_TO_DTYPE: Readonly<Record<string, Dtype>> = {
  BOOL: 'bool',
  U8: 'uint8',
  I8: 'int8',
  U16: 'uint16',
  I16: 'int16',
  I32: 'int32',
  U32: 'uint32',
  I64: 'int64',
  F32: 'float32',
  F64: 'float64',
}
const DTYPE_TO_ST: Readonly<Record<Dtype, string>> = Object.fromEntries(Object.entries(ST_TO_DTYPE).map(([k, v]) => [v, k])) as Record<Dtype, string>

export interface SafetensorsFile {
  readonly tensors: Record<string, NdArray>
  /** The `__metadata__` string map, if any. */
  readonly metadata: Record<string, string>
}

/**
 * A `.safetensors` file starts with an 8-byte header length and then a JSON object.
 *
 * @example
 * isSafetensors(readFileSync('routing.safetensors')) // true
 */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = view.getBigUint64(0, true)
  return n >= 2n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b
}

/**
 * Reads a `.safetensors` file: the JSON header (dtype, shape, data_offsets per tensor) and the
 * little-endian data after it, as zero-copy views where aligned. Offsets are checked to lie inside the
 * buffer, in order and without overlap, as the format requires.
 *
 * @example
 * const { tensors, metadata } = readSafetensors(readFileSync('routing.safetensors'))
 */
export function readSafetensors(bytes: Uint8Array, file = '.safetensors file'): SafetensorsFile {
  if (bytes.length < 8) throw new TraceFormatError({ file, part: 'safetensors header', problem: 'shorter than the 8-byte header length' })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getBigUint64(0, true)
  if (headerLength > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new TraceFormatError({ file, part: 'safetensors header', problem: `length ${headerLength} is over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit` })
  }
  const n = Number(headerLength)
  if (8 + n > bytes.length)
    throw new TraceFormatError({ file, part: 'safetensors header', problem: `says ${n} bytes but the file ends after ${bytes.length - 8}: truncated` })
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)))
  } catch (cause) {
    throw new TraceFormatError({ file, part: 'safetensors header', problem: 'is not valid UTF-8 JSON', cause })
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TraceFormatError({ file, part: 'safetensors header', problem: 'is not a JSON object' })
  }
  const dataStart = 8 + n
  const dataLength = bytes.length - dataStart
  const tensors: Record<string, NdArray> = Object.create(null)
  let metadata: Record<string, string> = {}
  const spans: [number, number, string][] = []
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Object.values(entry).some((v) => typeof v !== 'string')) {
        throw new TraceFormatError({ file, part: '__metadata__', problem: 'is not a map of strings' })
      }
      metadata = { ...(entry as Record<string, string>) }
      continue
    }
    const part = `tensor ${JSON.stringify(name)}`
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
    if (typeof e !== 'object' || e === null || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw new TraceFormatError({ file, part, problem: 'needs dtype, shape and data_offsets [begin, end]' })
    }
    const dtype = typeof e.dtype === 'string' ? ST_TO_DTYPE[e.dtype] : undefined
    if (dtype === undefined) {
      throw new TraceFormatError({
        file,
        part,
        problem: `dtype ${JSON.stringify(e.dtype)} is not supported; supported: ${Object.keys(ST_TO_DTYPE).join(', ')}`,
      })
    }
    const count = checkedElementCount(file, part, e.shape)
    const [begin, end] = e.data_offsets as unknown[]
    if (
      typeof begin !== 'number' ||
      typeof end !== 'number' ||
      !Number.isSafeInteger(begin) ||
      !Number.isSafeInteger(end) ||
      begin < 0 ||
      end < begin ||
      end > dataLength
    ) {
      throw new TraceFormatError({ file, part, problem: `data_offsets [${String(begin)}, ${String(end)}] are not inside the ${dataLength} data bytes` })
    }
    if (end - begin !== count * DTYPE_INFO[dtype].size) {
      throw new TraceFormatError({
        file,
        part,
        problem: `data_offsets span ${end - begin} bytes, shape [${(e.shape as number[]).join(', ')}] of ${dtype} needs ${count * DTYPE_INFO[dtype].size}`,
      })
    }
    spans.push([begin, end, name])
    tensors[name] = { dtype, shape: [...(e.shape as number[])], data: viewAs(dtype, bytes, dataStart + begin, count) }
  }
  spans.sort((a, b) => a[0] - b[0])
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1])
      throw new TraceFormatError({ file, part: `tensor ${JSON.stringify(spans[i]![2])}`, problem: 'overlaps another tensor' })
  }
  return { tensors, metadata }
}

/**
 * A `.safetensors` file as chunks to write one after another: length and header, then a view of each
 * tensor's own bytes (no copy). Tensors are sorted by name, data 8-byte aligned, as the Python
 * `safetensors` package writes them; `metadata` becomes `__metadata__`.
 *
 * @example
 * for (const chunk of encodeSafetensors({ topk_ids: ids })) writeSync(fd, chunk)
 */
export function encodeSafetensors(tensors: Readonly<Record<string, NdArray>>, metadata?: Readonly<Record<string, string>>): Uint8Array[] {
  const names = Object.keys(tensors).sort()
  const header: Record<string, unknown> = {}
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = { ...metadata }
  let offset = 0
  for (const name of names) {
    const array = tensors[name]!
    assertArrayMatchesShape(name, array)
    const dtype = DTYPE_TO_ST[array.dtype]
    if (dtype === undefined) throw new InvalidArgumentError({ parameter: `${name}.dtype`, value: array.dtype, allowed: Object.keys(DTYPE_TO_ST).join(', ') })
    header[name] = { dtype, shape: array.shape, data_offsets: [offset, offset + array.data.byteLength] }
    offset += array.data.byteLength
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  // Spaces pad the header so the data starts 8-byte aligned.
  const padded = json.length + ((8 - (json.length % 8)) % 8)
  const head = new Uint8Array(8 + padded).fill(0x20, 8)
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true)
  head.set(json, 8)
  return [head, ...names.map((name) => bytesOf(tensors[name]!))]
}

/**
 * Writes tensors as a `.safetensors` file (sorted by name, data 8-byte aligned, as the Python
 * `safetensors` package writes them). `metadata` becomes `__metadata__`.
 *
 * @example
 * writeFileSync('routing.safetensors', writeSafetensors({ topk_ids: ids, topk_weights: weights }, { producer: 'routesim' }))
 */
export function writeSafetensors(tensors: Readonly<Record<string, NdArray>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  return concatBytes(encodeSafetensors(tensors, metadata))
}
