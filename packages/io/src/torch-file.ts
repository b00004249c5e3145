import { zipSync, type Zippable } from 'fflate'
import { InvalidArgumentError } from '@routesim/core'
import { DTYPE_INFO, assertArrayMatchesShape, bytesOf, checkedElementCount, viewAs, type Dtype, type NdArray } from './nd-array.ts'
import { readZip, isZip } from './npz.ts'
import { isPyTuple, unpickle, type PickleGlobal } from './restricted-unpickler.ts'
import { TraceFormatError } from './trace-format-error.ts'

const STORAGE_DTYPES: Readonly<Record<string, Dtype>> = {
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
}
const DTYPE_STORAGES: Partial<Record<Dtype, string>> = Object.fromEntries(Object.entries(STORAGE_DTYPES).map(([k, v]) => [v, k]))

/** The only globals a `torch.save` of tensors, dicts and lists needs (as torch's own weights_only loader). */
export const TORCH_ALLOWED_GLOBALS: readonly string[] = Object.freeze([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'collections.OrderedDict',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
])

/** A value read from a torch file: tensors are `NdArray`s, dicts are records, lists and tuples arrays. */
export type TorchValue = unknown

interface Storage {
  readonly kind: 'storage'
  readonly dtype: Dtype
  readonly bytes: Uint8Array
}

function isStorage(value: unknown): value is Storage {
  return typeof value === 'object' && value !== null && (value as Storage).kind === 'storage'
}

/** Gathers a strided view into a dense C-order array (torch saves views with their storage). */
function gather(file: string, storage: Storage, offset: number, shape: number[], stride: number[]): NdArray {
  const count = checkedElementCount(file, 'tensor shape', shape)
  const size = DTYPE_INFO[storage.dtype].size
  const elements = storage.bytes.length / size
  let contiguous = true
  let expected = 1
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d]! !== 1 && stride[d] !== expected) contiguous = false
    expected *= shape[d]!
  }
  let maxIndex = offset
  for (let d = 0; d < shape.length; d++) if (shape[d]! > 0) maxIndex += (shape[d]! - 1) * stride[d]!
  if (count > 0 && (offset < 0 || maxIndex >= elements || stride.some((s) => s < 0))) {
    throw new TraceFormatError({
      file,
      part: 'tensor',
      problem: `offset ${offset} and strides [${stride.join(', ')}] reach outside a storage of ${elements} elements`,
    })
  }
  if (contiguous) return { dtype: storage.dtype, shape, data: viewAs(storage.dtype, storage.bytes, offset * size, count) }
  const source = viewAs(storage.dtype, storage.bytes, 0, elements) as unknown as ArrayLike<number | bigint>
  const out = viewAs(storage.dtype, new Uint8Array(count * size), 0, count) as unknown as { [i: number]: number | bigint }
  const index = new Array<number>(shape.length).fill(0)
  for (let i = 0; i < count; i++) {
    let at = offset
    for (let d = 0; d < shape.length; d++) at += index[d]! * stride[d]!
    out[i] = source[at]!
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break
      index[d] = 0
    }
  }
  return { dtype: storage.dtype, shape, data: out as unknown as NdArray['data'] }
}

function intTuple(file: string, what: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isSafeInteger(v))) {
    throw new TraceFormatError({ file, part: 'tensor', problem: `${what} is not a tuple of integers` })
  }
  return [...(value as number[])]
}

/**
 * `torch.save` files are zip archives with `<name>/data.pkl` and `<name>/data/<key>` storages.
 *
 * @example
 * isTorchZip(readFileSync('topk_ids.pt')) // true
 */
export function isTorchZip(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 512)))
  return head.includes('data.pkl')
}

/**
 * Reads a `torch.save` file (the zip format, torch ≥ 1.6) through the restricted unpickler: tensors
 * become `NdArray`s, dicts records, lists/tuples arrays. A pickle that names anything but the
 * tensor-rebuilding globals is an `UnsafePickleError`; nothing in the file is ever executed.
 *
 * @example
 * const dump = readTorch(readFileSync('expert_distribution_recorder_1733450000.0.pt')) as { logical_count: NdArray }
 */
export function readTorch(bytes: Uint8Array, file = '.pt file'): TorchValue {
  if (!isZip(bytes)) {
    const legacy = bytes.length > 2 && bytes[0] === 0x80
    throw new TraceFormatError({
      file,
      part: 'torch file',
      problem: legacy ? 'legacy (pre-1.6) torch.save format; re-save with a current torch' : 'not a torch.save zip archive',
    })
  }
  const entries = readZip(bytes, file)
  const pklName = Object.keys(entries).find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'))
  if (pklName === undefined) throw new TraceFormatError({ file, part: 'torch file', problem: 'no data.pkl in the archive' })
  const prefix = pklName.slice(0, -'data.pkl'.length)
  const byteorder = entries[`${prefix}byteorder`]
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new TraceFormatError({ file, part: 'byteorder', problem: 'big-endian tensors are not supported' })
  }
  return unpickle(entries[pklName]!, {
    file,
    allowedGlobals: TORCH_ALLOWED_GLOBALS,
    persistentLoad: (pid) => {
      if (!isPyTuple(pid) || pid[0] !== 'storage' || pid.length < 5)
        throw new TraceFormatError({ file, part: 'pickle', problem: 'a persistent id that is not a storage' })
      const type = pid[1] as PickleGlobal
      const dtype = STORAGE_DTYPES[type.name]
      if (dtype === undefined) throw new TraceFormatError({ file, part: 'storage', problem: `storage type ${type.module}.${type.name} is not supported` })
      const key = String(pid[2])
      const data = entries[`${prefix}data/${key}`]
      if (data === undefined) throw new TraceFormatError({ file, part: 'storage', problem: `storage ${key} is missing from the archive` })
      const numel = pid[4]
      if (typeof numel !== 'number' || data.length < numel * DTYPE_INFO[dtype].size) {
        throw new TraceFormatError({
          file,
          part: `storage ${key}`,
          problem: `holds ${data.length} bytes, fewer than ${String(numel)} ${dtype} elements: truncated`,
        })
      }
      return { kind: 'storage', dtype, bytes: data.subarray(0, numel * DTYPE_INFO[dtype].size) } satisfies Storage
    },
    call: (global, args) => {
      const name = `${global.module}.${global.name}`
      if (name === 'torch._utils._rebuild_tensor_v2') {
        const [storage, offset, shape, stride] = args
        if (!isStorage(storage) || typeof offset !== 'number')
          throw new TraceFormatError({ file, part: 'tensor', problem: '_rebuild_tensor_v2 without a storage and offset' })
        const size = intTuple(file, 'size', shape)
        const strides = intTuple(file, 'stride', stride)
        if (size.length !== strides.length) throw new TraceFormatError({ file, part: 'tensor', problem: 'size and stride differ in length' })
        return gather(file, storage, offset, size, strides)
      }
      if (name === 'torch._utils._rebuild_parameter') return args[0]
      if (name === 'collections.OrderedDict') return Object.create(null)
      throw new TraceFormatError({ file, part: 'pickle', problem: `${name} cannot be called` })
    },
  })
}

/** Pickle protocol 2, as `torch.save` writes it. */
class PickleWriter {
  private readonly parts: Uint8Array[] = []
  private readonly encoder = new TextEncoder()
  readonly storages: Uint8Array[] = []

  byte(...b: number[]): void {
    this.parts.push(Uint8Array.from(b))
  }
  int(v: number): void {
    if (Number.isInteger(v) && v >= 0 && v < 256) this.byte(0x4b, v)
    else if (Number.isInteger(v) && v >= 0 && v < 65536) this.byte(0x4d, v & 0xff, v >> 8)
    else if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
      const b = new Uint8Array(5)
      b[0] = 0x4a
      new DataView(b.buffer).setInt32(1, v, true)
      this.parts.push(b)
    } else if (Number.isSafeInteger(v)) {
      const b = new Uint8Array(10)
      b[0] = 0x8a
      b[1] = 8
      new DataView(b.buffer).setBigInt64(2, BigInt(v), true)
      this.parts.push(b)
    } else this.float(v)
  }
  float(v: number): void {
    const b = new Uint8Array(9)
    b[0] = 0x47
    new DataView(b.buffer).setFloat64(1, v, false)
    this.parts.push(b)
  }
  str(s: string): void {
    const data = this.encoder.encode(s)
    const b = new Uint8Array(5)
    b[0] = 0x58
    new DataView(b.buffer).setUint32(1, data.length, true)
    this.parts.push(b, data)
  }
  global(module: string, name: string): void {
    this.parts.push(this.encoder.encode(`c${module}\n${name}\n`))
  }
  tensor(array: NdArray, path: string): void {
    assertArrayMatchesShape(path, array)
    const storage = DTYPE_STORAGES[array.dtype]
    if (storage === undefined) {
      throw new InvalidArgumentError({
        parameter: `${path}.dtype`,
        value: array.dtype,
        allowed: `a dtype torch stores: ${Object.keys(DTYPE_STORAGES).join(', ')}`,
      })
    }
    const key = String(this.storages.length)
    this.storages.push(bytesOf(array))
    const stride: number[] = []
    let s = 1
    for (let d = array.shape.length - 1; d >= 0; d--) {
      stride[d] = s
      s *= array.shape[d]!
    }
    this.global('torch._utils', '_rebuild_tensor_v2')
    this.byte(0x28) // MARK (arguments)
    this.byte(0x28) // MARK (persistent id)
    this.str('storage')
    this.global('torch', storage)
    this.str(key)
    this.str('cpu')
    this.int(array.data.length)
    this.byte(0x74, 0x51) // TUPLE, BINPERSID
    this.int(0)
    this.tupleOf(array.shape)
    this.tupleOf(stride)
    this.byte(0x89) // requires_grad False
    this.global('collections', 'OrderedDict')
    this.byte(0x29, 0x52) // EMPTY_TUPLE, REDUCE → OrderedDict()
    this.byte(0x74, 0x52) // TUPLE, REDUCE
  }
  tupleOf(values: readonly number[]): void {
    this.byte(0x28)
    for (const v of values) this.int(v)
    this.byte(0x74)
  }
  value(v: unknown, path: string): void {
    if (v === null || v === undefined) this.byte(0x4e)
    else if (v === true) this.byte(0x88)
    else if (v === false) this.byte(0x89)
    else if (typeof v === 'number') Number.isInteger(v) ? this.int(v) : this.float(v)
    else if (typeof v === 'string') this.str(v)
    else if (Array.isArray(v)) {
      this.byte(0x5d, 0x28)
      v.forEach((item, i) => this.value(item, `${path}[${i}]`))
      this.byte(0x65)
    } else if (typeof v === 'object' && 'dtype' in v && 'shape' in v && 'data' in v) this.tensor(v as NdArray, path)
    else if (typeof v === 'object') {
      this.byte(0x7d, 0x28)
      for (const [k, item] of Object.entries(v)) {
        this.str(k)
        this.value(item, `${path}.${k}`)
      }
      this.byte(0x75)
    } else throw new InvalidArgumentError({ parameter: path, value: v, allowed: 'a tensor (NdArray), dict, list, number, string, boolean or null' })
  }
  pickle(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0)
    const out = new Uint8Array(total)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}

/**
 * Writes a `torch.save`-format file that `torch.load(path, weights_only=True)` reads: a tensor
 * (`NdArray`), or dicts/lists of tensors, numbers, strings and None. uint16/uint32 have no torch
 * 1.x storage and are refused (write int32/int64).
 *
 * @example
 * writeFileSync('routing.pt', writeTorch({ topk_ids: ids, topk_weights: weights })) // torch.load('routing.pt', weights_only=True)
 */
export function writeTorch(value: unknown, options: { archiveName?: string } = {}): Uint8Array {
  const writer = new PickleWriter()
  writer.byte(0x80, 0x02)
  writer.value(value, 'value')
  writer.byte(0x2e)
  const name = options.archiveName ?? 'archive'
  const files: Zippable = { [`${name}/data.pkl`]: writer.pickle(), [`${name}/byteorder`]: new TextEncoder().encode('little') }
  writer.storages.forEach((data, i) => {
    files[`${name}/data/${i}`] = data
  })
  files[`${name}/version`] = new TextEncoder().encode('3\n')
  return zipSync(files, { level: 0, mtime: new Date(1980, 0, 1, 0, 0, 0) })
}
