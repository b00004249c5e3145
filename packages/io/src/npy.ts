import { InvalidArgumentError } from '@routesim/core'
import { DTYPE_INFO, assertArrayMatchesShape, bytesOf, checkedElementCount, concatBytes, viewAs, type Dtype, type NdArray } from './nd-array.ts'
import { TraceFormatError } from './trace-format-error.ts'

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY
/** numpy itself refuses headers over 10,000 bytes unless told otherwise; so do we. */
export const MAX_NPY_HEADER_BYTES = 10_000

const DESCR_TO_DTYPE: Readonly<Record<string, Dtype>> = {
  '|b1': 'bool',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '|i1': 'int8',
  '<i1': 'int8',
  '<u2': 'uint16',
  '<i2': 'int16',
  '<i4': 'int32',
  '<u4': 'uint32',
  '<i8': 'int64',
  '<f4': 'float32',
  '<f8': 'float64',
}

const DTYPE_TO_DESCR: Readonly<Record<Dtype, string>> = {
  bool: '|b1',
  uint8: '|u1',
  int8: '|i1',
  uint16: '<u2',
  int16: '<i2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  float32: '<f4',
  float64: '<f8',
}

/**
 * @example
 * isNpy(readFileSync('topk_ids.npy')) // true
 */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b)
}

/** The header dict numpy writes: `{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }`. */
function parseHeader(file: string, text: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)
  if (!descr || !fortran || !shape || !/^\s*\{.*\}\s*$/s.test(text)) {
    throw new TraceFormatError({
      file,
      part: 'npy header',
      problem: `not a header dict with descr, fortran_order and shape: ${JSON.stringify(text.slice(0, 120))}`,
    })
  }
  const dims = shape[1]!
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '')
  const parsed = dims.map((d) => (/^\d+L?$/.test(d) ? Number(d.replace('L', '')) : Number.NaN))
  checkedElementCount(file, 'npy shape', parsed)
  return { descr: descr[1]!, fortranOrder: fortran[1] === 'True', shape: parsed }
}

/**
 * Reads a `.npy` file (format 1.0, 2.0 or 3.0): little-endian, C order, one of the supported dtypes.
 * The data is a zero-copy view of `bytes` when aligned. Big-endian, Fortran-order, object and
 * truncated files are a `TraceFormatError`.
 *
 * @example
 * const ids = readNpy(readFileSync('topk_ids.npy'), 'topk_ids.npy') // { dtype: 'int32', shape: [4096, 8], data: Int32Array }
 */
export function readNpy(bytes: Uint8Array, file = '.npy file'): NdArray {
  if (!isNpy(bytes)) throw new TraceFormatError({ file, part: 'magic', problem: 'does not start with \\x93NUMPY' })
  if (bytes.length < 10) throw new TraceFormatError({ file, part: 'npy header', problem: 'file ends inside the header' })
  const major = bytes[6]!
  let headerLength: number
  let headerStart: number
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (major === 1) {
    headerLength = view.getUint16(8, true)
    headerStart = 10
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new TraceFormatError({ file, part: 'npy header', problem: 'file ends inside the header' })
    headerLength = view.getUint32(8, true)
    headerStart = 12
  } else {
    throw new TraceFormatError({ file, part: 'npy version', problem: `format ${major}.${bytes[7]} is not 1.0, 2.0 or 3.0` })
  }
  if (headerLength > MAX_NPY_HEADER_BYTES) {
    throw new TraceFormatError({ file, part: 'npy header', problem: `header of ${headerLength} bytes is over the ${MAX_NPY_HEADER_BYTES}-byte limit` })
  }
  if (headerStart + headerLength > bytes.length) throw new TraceFormatError({ file, part: 'npy header', problem: 'file ends inside the header' })
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1')
  const header = parseHeader(file, decoder.decode(bytes.subarray(headerStart, headerStart + headerLength)))
  if (header.fortranOrder)
    throw new TraceFormatError({ file, part: 'npy header', problem: 'Fortran-order arrays are not supported; save with np.ascontiguousarray' })
  const dtype = DESCR_TO_DTYPE[header.descr]
  if (dtype === undefined) {
    const hint = header.descr.startsWith('>') ? ' (big-endian; convert with arr.astype(arr.dtype.newbyteorder("<")))' : ''
    throw new TraceFormatError({
      file,
      part: 'npy dtype',
      problem: `'${header.descr}'${hint} is not supported; supported: ${Object.keys(DESCR_TO_DTYPE).join(', ')}`,
    })
  }
  const length = header.shape.reduce((a, b) => a * b, 1)
  const dataStart = headerStart + headerLength
  const needed = length * DTYPE_INFO[dtype].size
  if (bytes.length - dataStart < needed) {
    throw new TraceFormatError({
      file,
      part: 'npy data',
      problem: `${bytes.length - dataStart} bytes of data for shape [${header.shape.join(', ')}] of ${dtype} (${needed} needed): truncated`,
    })
  }
  return { dtype, shape: header.shape, data: viewAs(dtype, bytes, dataStart, length) }
}

/** The `.npy` header for an array: padded so the data starts on a 64-byte boundary, as numpy does. */
export function npyHeader(dtype: Dtype, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ')
  let dict = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`
  const version = dict.length + 11 > 65535 ? 2 : 1
  const prefix = version === 1 ? 10 : 12
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64
  dict = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n'
  const out = new Uint8Array(total)
  out.set(MAGIC, 0)
  out[6] = version
  out[7] = 0
  const view = new DataView(out.buffer)
  if (version === 1) view.setUint16(8, dict.length, true)
  else view.setUint32(8, dict.length, true)
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i)
  return out
}

/**
 * A `.npy` file as chunks to write one after another: the header, then a view of the array's own bytes
 * (no copy, so large arrays go to disk without being duplicated in memory).
 *
 * @example
 * for (const chunk of encodeNpy(ids)) writeSync(fd, chunk)
 */
export function encodeNpy(array: NdArray): Uint8Array[] {
  if (!(array.dtype in DTYPE_TO_DESCR))
    throw new InvalidArgumentError({ parameter: 'array.dtype', value: array.dtype, allowed: Object.keys(DTYPE_TO_DESCR).join(', ') })
  assertArrayMatchesShape('array', array)
  return [npyHeader(array.dtype, array.shape), bytesOf(array)]
}

/**
 * Writes an array as a `.npy` file (format 1.0, little-endian, C order) that `numpy.load` reads exactly.
 *
 * @example
 * writeFileSync('topk_ids.npy', writeNpy(ndarray(ids, [4096, 8]))) // np.load('topk_ids.npy')
 */
export function writeNpy(array: NdArray): Uint8Array {
  return concatBytes(encodeNpy(array))
}
