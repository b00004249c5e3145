import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hasNumpy, hasSafetensors, hasTorch, python, pythonRequired, safetensorsRequired } from '../test/python.ts'
import { ndarray, type NdArray } from './nd-array.ts'
import { readNpy, writeNpy } from './npy.ts'
import { readNpz, writeNpz } from './npz.ts'
import { readSafetensors, writeSafetensors } from './safetensors.ts'
import { readTorch, writeTorch } from './torch-file.ts'
import { readTrace, writeTrace } from './trace-file.ts'
import { idsTrace } from './trace.ts'

const dir = mkdtempSync(join(tmpdir(), 'routesim-io-py-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('python is there when CI requires it', () => {
  it.runIf(pythonRequired)('finds numpy and torch', () => {
    expect(hasNumpy && hasTorch).toBe(true)
  })
})

const ids = ndarray(
  Int32Array.from({ length: 6 * 4 }, (_, i) => (i * 37) % 256),
  [6, 4],
)
const ids64 = ndarray(
  BigInt64Array.from({ length: 6 * 4 }, (_, i) => BigInt((i * 37) % 256)),
  [6, 4],
)
const weights = ndarray(
  Float32Array.from({ length: 6 * 4 }, (_, i) => 1 / (i + 1)),
  [6, 4],
)
const all: NdArray[] = [
  ids,
  ids64,
  weights,
  ndarray(Float64Array.from([1.5, -2.25, Math.PI]), [3]),
  ndarray(Uint32Array.from([0, 1, 2 ** 32 - 1]), [3]),
  ndarray(Uint16Array.from([0, 65535]), [2, 1]),
  ndarray(Uint8Array.from([7]), [1]),
  { dtype: 'bool', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) },
  ndarray(new Int32Array(0), [0, 8]),
  ndarray(Float32Array.from([42]), []),
]

/** numpy's view of a file: dtype, shape and values as JSON. */
const describeNpy = `
import sys, json, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({"dtype": str(a.dtype), "shape": list(a.shape), "values": a.ravel().tolist()}))
`

const numpyDtype = (d: string): string => (d === 'bool' ? 'bool' : d)
const values = (a: NdArray): unknown[] =>
  Array.from(a.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : a.dtype === 'bool' ? v === 1 : v))

describe.runIf(hasNumpy || pythonRequired)('numpy reads what we write', () => {
  it.each(all.map((a) => [`${a.dtype} [${a.shape.join(', ')}]`, a] as const))('.npy %s', (_, array) => {
    const file = join(dir, `a-${array.dtype}-${array.shape.join('x')}.npy`)
    writeFileSync(file, writeNpy(array))
    const seen = JSON.parse(python(describeNpy, [file]))
    expect(seen.dtype).toBe(numpyDtype(array.dtype))
    expect(seen.shape).toEqual(array.shape)
    const expected = values(array).map((v) => (typeof v === 'number' && array.dtype === 'float32' ? Math.fround(v) : v))
    expect(seen.values).toEqual(expected)
  })

  it.each([false, true])('.npz (compress %s) with topk_ids and topk_weights', (compress) => {
    const file = join(dir, `trace-${compress}.npz`)
    writeFileSync(file, writeNpz({ topk_ids: ids, topk_weights: weights }, { compress }))
    const seen = JSON.parse(
      python(
        `
import sys, json, numpy as np
z = np.load(sys.argv[1])
print(json.dumps({k: {"dtype": str(z[k].dtype), "shape": list(z[k].shape), "values": z[k].ravel().tolist()} for k in sorted(z.files)}))
`,
        [file],
      ),
    )
    expect(Object.keys(seen)).toEqual(['topk_ids', 'topk_weights'])
    expect(seen.topk_ids).toEqual({ dtype: 'int32', shape: [6, 4], values: Array.from(ids.data as Int32Array) })
    expect(seen.topk_weights.dtype).toBe('float32')
    expect(seen.topk_weights.values).toEqual(Array.from(weights.data as Float32Array))
  })

  it('we read every .npy and .npz numpy writes (versions 1.0, 2.0 and 3.0, savez_compressed)', () => {
    python(
      `
import sys, numpy as np
from numpy.lib import format as f
d = sys.argv[1]
a = (np.arange(24, dtype=np.int64) * 7 % 256).reshape(2, 3, 4)
np.save(d + "/np-int64.npy", a)
for v in [(1, 0), (2, 0), (3, 0)]:
    with open(d + "/np-v%d.npy" % v[0], "wb") as fh:
        f.write_array(fh, a.astype(np.int32), version=v)
np.savez(d + "/np.npz", topk_ids=a.astype(np.int32), topk_weights=np.full((2, 3, 4), 0.5, dtype=np.float32))
np.savez_compressed(d + "/np-compressed.npz", topk_ids=a.astype(np.uint32))
np.save(d + "/np-bool.npy", a % 2 == 0)
`,
      [dir],
    )
    const expected = Array.from({ length: 24 }, (_, i) => (i * 7) % 256)
    const a64 = readNpy(readFileSync(join(dir, 'np-int64.npy')))
    expect(a64.dtype).toBe('int64')
    expect(a64.shape).toEqual([2, 3, 4])
    expect(Array.from(a64.data as BigInt64Array, Number)).toEqual(expected)
    for (const v of [1, 2, 3]) {
      const a = readNpy(readFileSync(join(dir, `np-v${v}.npy`)))
      expect([a.dtype, a.shape, Array.from(a.data as Int32Array)]).toEqual(['int32', [2, 3, 4], expected])
    }
    const z = readNpz(readFileSync(join(dir, 'np.npz')))
    expect(Array.from(z['topk_ids']!.data as Int32Array)).toEqual(expected)
    expect(z['topk_weights']!.dtype).toBe('float32')
    const c = readNpz(readFileSync(join(dir, 'np-compressed.npz')))
    expect([c['topk_ids']!.dtype, Array.from(c['topk_ids']!.data as Uint32Array)]).toEqual(['uint32', expected])
    const b = readNpy(readFileSync(join(dir, 'np-bool.npy')))
    expect([b.dtype, Array.from(b.data as Uint8Array)]).toEqual(['bool', expected.map((x) => (x % 2 === 0 ? 1 : 0))])
  })

  it('a safetensors file we write parses, by the format spec, to the same arrays in numpy', () => {
    // An independent parser that follows the format's spec (u64 header length, JSON header, little-endian
    // data at data_offsets); the `safetensors` package itself is tested below when it is installed.
    const file = join(dir, 'trace.safetensors')
    writeFileSync(file, writeSafetensors({ topk_ids: ids, topk_weights: weights }, { producer: 'routesim' }))
    const seen = JSON.parse(
      python(
        `
import sys, json, struct, numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
assert (8 + n) % 8 == 0, "data must start 8-byte aligned"
header = json.loads(raw[8:8 + n])
dt = {"I32": np.int32, "I64": np.int64, "F32": np.float32}
out = {"__metadata__": header.pop("__metadata__")}
for k, v in header.items():
    b, e = v["data_offsets"]
    a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=np.dtype(dt[v["dtype"]]).newbyteorder("<")).reshape(v["shape"])
    out[k] = {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.ravel().tolist()}
print(json.dumps(out))
`,
        [file],
      ),
    )
    expect(seen.__metadata__).toEqual({ producer: 'routesim' })
    expect(seen.topk_ids).toEqual({ dtype: 'int32', shape: [6, 4], values: Array.from(ids.data as Int32Array) })
    expect(seen.topk_weights.values).toEqual(Array.from(weights.data as Float32Array))
    const back = readSafetensors(readFileSync(file))
    expect(Array.from(back.tensors['topk_ids']!.data as Int32Array)).toEqual(Array.from(ids.data as Int32Array))
  })
})

describe.runIf(hasTorch || pythonRequired)('torch reads what we write, and we read what torch writes', () => {
  it('torch.load(weights_only=True) reads our .pt with the right dtypes, shapes and values', () => {
    const file = join(dir, 'ours.pt')
    writeFileSync(file, writeTorch({ topk_ids: ids64, topk_weights: weights, ids32: ids, step: 3, name: 'routesim', nothing: null, list: [1, 2] }))
    const seen = JSON.parse(
      python(
        `
import sys, json, torch
d = torch.load(sys.argv[1], weights_only=True)
out = {}
for k, v in d.items():
    out[k] = {"dtype": str(v.dtype), "shape": list(v.shape), "values": v.flatten().tolist()} if torch.is_tensor(v) else v
print(json.dumps(out))
`,
        [file],
      ),
    )
    expect(seen.topk_ids).toEqual({ dtype: 'torch.int64', shape: [6, 4], values: Array.from(ids.data as Int32Array) })
    expect(seen.ids32.dtype).toBe('torch.int32')
    expect(seen.topk_weights.values).toEqual(Array.from(weights.data as Float32Array))
    expect([seen.step, seen.name, seen.nothing, seen.list]).toEqual([3, 'routesim', null, [1, 2]])
  })

  it('float scalars round-trip through torch.load (torch 1.13 weights_only refuses BINFLOAT itself)', () => {
    const file = join(dir, 'floats.pt')
    writeFileSync(file, writeTorch({ rate: 0.75, list: [1, 2.5] }))
    expect(JSON.parse(python('import sys, json, torch; print(json.dumps(torch.load(sys.argv[1])))', [file]))).toEqual({ rate: 0.75, list: [1, 2.5] })
  })

  it('reads torch.save(topk_ids), a transposed view, and a synthetic SGLang expert-distribution dump', () => {
    python(
      `
import sys, torch
d = sys.argv[1]
ids = (torch.arange(24, dtype=torch.int64) * 7 % 256).reshape(6, 4)
torch.save(ids, d + "/topk_ids.pt")
torch.save(ids.t(), d + "/transposed.pt")
counts = (torch.arange(2 * 3 * 16) % 11).reshape(2, 3, 16)
torch.save(dict(rank=0, logical_count=counts, average_utilization_rate_over_window=0.75), d + "/sglang.pt")
torch.save({"w": torch.nn.Parameter(torch.ones(2, 2))}, d + "/param.pt")
`,
      [dir],
    )
    const expected = Array.from({ length: 24 }, (_, i) => (i * 7) % 256)
    const t = readTorch(readFileSync(join(dir, 'topk_ids.pt'))) as NdArray
    expect([t.dtype, t.shape, Array.from(t.data as BigInt64Array, Number)]).toEqual(['int64', [6, 4], expected])
    const tr = readTorch(readFileSync(join(dir, 'transposed.pt'))) as NdArray
    const transposed = Array.from({ length: 24 }, (_, i) => expected[(i % 6) * 4 + Math.floor(i / 6)])
    expect([tr.shape, Array.from(tr.data as BigInt64Array, Number)]).toEqual([[4, 6], transposed])
    const dump = readTorch(readFileSync(join(dir, 'sglang.pt'))) as Record<string, unknown>
    expect(dump['rank']).toBe(0)
    expect(dump['average_utilization_rate_over_window']).toBe(0.75)
    const counts = dump['logical_count'] as NdArray
    expect(counts.shape).toEqual([2, 3, 16])
    expect(Array.from(counts.data as BigInt64Array, Number)).toEqual(Array.from({ length: 96 }, (_, i) => i % 11))
    const param = readTorch(readFileSync(join(dir, 'param.pt'))) as Record<string, NdArray>
    expect(Array.from(param['w']!.data as Float32Array)).toEqual([1, 1, 1, 1])
  })
})

describe('python is there when CI requires safetensors', () => {
  it.runIf(safetensorsRequired)('imports safetensors.numpy', () => {
    expect(hasSafetensors).toBe(true)
  })
})

/** A multi-layer, multi-step trace with weights, as `simulate --out` writes it. */
const stepTrace = idsTrace({
  ids: Int32Array.from({ length: 2 * 3 * 7 * 4 }, (_, i) => (i * 13 + (i >> 3)) % 64),
  weights: Float32Array.from({ length: 2 * 3 * 7 * 4 }, (_, i) => Math.fround(1 / (1 + (i % 9)))),
  steps: 2,
  layers: 3,
  tokens: 7,
  topK: 4,
  numExperts: 64,
})
const stepShape = [2, 3, 7, 4]

/** Prints {name: {dtype, shape, values}} for whatever loader the snippet binds to `d`. */
const describeArrays = (load: string): string => `
import sys, json
${load}
print(json.dumps({k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "values": v.flatten().tolist()} for k, v in sorted(d.items())}))
`

function expectTraceArrays(seen: Record<string, { dtype: string; shape: number[]; values: number[] }>, indicesType: 'int32' | 'int64'): void {
  expect(Object.keys(seen)).toEqual(['topk_ids', 'topk_weights'])
  expect(seen['topk_ids']).toEqual({ dtype: indicesType, shape: stepShape, values: Array.from(stepTrace.ids) })
  expect(seen['topk_weights']).toEqual({ dtype: 'float32', shape: stepShape, values: Array.from(stepTrace.weights!) })
}

describe.runIf(hasNumpy || pythonRequired)('trace files routesim writes load in numpy with the right dtype, shape and values', () => {
  it.each(['int32', 'int64'] as const)('.npz, .npy and .safetensors (spec parser) with topk_ids %s', (indicesType) => {
    const npz = join(dir, `steps-${indicesType}.npz`)
    writeFileSync(npz, writeTrace(stepTrace, 'npz', { indicesType, compress: indicesType === 'int64' }))
    expectTraceArrays(JSON.parse(python(describeArrays('import numpy as np\nz = np.load(sys.argv[1])\nd = {k: z[k] for k in z.files}'), [npz])), indicesType)
    const npy = join(dir, `steps-${indicesType}.npy`)
    writeFileSync(npy, writeTrace(stepTrace, 'npy', { indicesType }))
    const seen = JSON.parse(python(describeArrays('import numpy as np\nd = {"topk_ids": np.load(sys.argv[1])}'), [npy]))
    expect(seen.topk_ids).toEqual({ dtype: indicesType, shape: stepShape, values: Array.from(stepTrace.ids) })
    const st = join(dir, `steps-${indicesType}.safetensors`)
    writeFileSync(st, writeTrace(stepTrace, 'safetensors', { indicesType }))
    // The format by its spec, independently of our reader and of the safetensors package.
    const spec = `
import struct, numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
header.pop("__metadata__", None)
dt = {"I32": "<i4", "I64": "<i8", "F32": "<f4"}
d = {}
for k, v in header.items():
    b, e = v["data_offsets"]
    d[k] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=dt[v["dtype"]]).reshape(v["shape"])
`
    expectTraceArrays(JSON.parse(python(describeArrays(spec), [st])), indicesType)
  })
})

describe.runIf(hasSafetensors || safetensorsRequired)('the safetensors package reads what we write, and we read what it writes', () => {
  it.each(['int32', 'int64'] as const)('safetensors.numpy.load_file reads a trace with topk_ids %s', (indicesType) => {
    const st = join(dir, `pkg-${indicesType}.safetensors`)
    writeFileSync(st, writeTrace(stepTrace, 'safetensors', { indicesType }))
    expectTraceArrays(JSON.parse(python(describeArrays('from safetensors.numpy import load_file\nd = load_file(sys.argv[1])'), [st])), indicesType)
    const meta = python('import sys; from safetensors import safe_open\nwith safe_open(sys.argv[1], "np") as f: print(f.metadata()["numExperts"])', [st])
    expect(meta.trim()).toBe('64')
  })

  it('save_file output reads as a trace', () => {
    const st = join(dir, 'from-package.safetensors')
    python(
      'import sys, numpy as np; from safetensors.numpy import save_file\nsave_file({"topk_ids": (np.arange(24, dtype=np.int64) % 5).reshape(6, 4), "topk_weights": np.full((6, 4), 0.25, np.float32)}, sys.argv[1])',
      [st],
    )
    const trace = readTrace(readFileSync(st), st)
    expect(trace.kind === 'ids' && [trace.tokens, trace.topK, trace.numExperts, Array.from(trace.ids), trace.weights?.[0]]).toEqual([
      6,
      4,
      5,
      Array.from({ length: 24 }, (_, i) => i % 5),
      0.25,
    ])
  })
})

describe.runIf(hasTorch || pythonRequired)('torch.load(weights_only=True) reads the trace files routesim writes', () => {
  it.each(['int32', 'int64'] as const)('.pt with topk_ids %s', (indicesType) => {
    const pt = join(dir, `steps-${indicesType}.pt`)
    writeFileSync(pt, writeTrace(stepTrace, 'pt', { indicesType }))
    expectTraceArrays(JSON.parse(python(describeArrays('import torch\nd = torch.load(sys.argv[1], weights_only=True)'), [pt])), indicesType)
  })
})
