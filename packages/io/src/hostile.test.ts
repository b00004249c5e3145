import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import { unzipSync, zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { RoutesimError } from '@routesim/core'
import { hasNumpy, hasTorch, python, pythonRequired } from '../test/python.ts'
import { ndarray } from './nd-array.ts'
import { npyHeader, readNpy, writeNpy } from './npy.ts'
import { writeNpz } from './npz.ts'
import { readSafetensors, writeSafetensors } from './safetensors.ts'
import { readTorch, writeTorch } from './torch-file.ts'
import { readTrace, writeTrace, type TraceFormat } from './trace-file.ts'
import { analyzeTrace } from './analyze-trace.ts'
import { fitTrace } from './fit-trace.ts'
import { idsTrace, traceCounts, traceFromArrays } from './trace.ts'
import { TraceFormatError } from './trace-format-error.ts'
import { UnsafePickleError } from './unsafe-pickle-error.ts'

const dir = mkdtempSync(join(tmpdir(), 'routesim-io-hostile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const E = 16
const trace = idsTrace({
  ids: Int32Array.from({ length: 2 * 3 * 5 * 2 }, (_, i) => (i * 7) % E),
  weights: Float32Array.from({ length: 60 }, (_, i) => i / 60),
  steps: 2,
  layers: 3,
  tokens: 5,
  topK: 2,
  numExperts: E,
})
const FORMATS: TraceFormat[] = ['npy', 'npz', 'safetensors', 'pt', 'json', 'jsonl', 'csv']
const files = Object.fromEntries(FORMATS.map((f) => [f, writeTrace(trace, f)])) as Record<TraceFormat, Uint8Array>
files.npz = writeTrace(trace, 'npz', { compress: true })

/** Reads a file all the way to counts; returns the error it threw, if any. */
function attempt(bytes: Uint8Array, name: string): unknown {
  try {
    const t = readTrace(bytes, name, { experts: E })
    traceCounts(t)
    return undefined
  } catch (error) {
    return error
  }
}

/** Every failure must be a typed routesim error; format errors name the file. */
function expectTyped(error: unknown, name: string): void {
  if (error === undefined) return
  if (!RoutesimError.isInstance(error)) throw new Error(`untyped error for ${name}: ${String((error as Error)?.stack ?? error)}`)
  if (TraceFormatError.isInstance(error)) expect(error.message).toContain(name)
}

describe('truncated files are typed errors', () => {
  it.each(['npy', 'npz', 'safetensors', 'pt'] as const)('every strict prefix of a .%s file', (format) => {
    const bytes = files[format]
    for (let n = 0; n < bytes.length; n++) {
      const error = attempt(bytes.subarray(0, n), `cut.${format}`)
      expect(error, `prefix of ${n} bytes`).toBeDefined()
      expectTyped(error, `cut.${format}`)
    }
  })
})

describe('oversized shapes are refused before anything is allocated', () => {
  it('.npy with a shape of 2^40 × 8 elements', () => {
    const header = npyHeader('int32', [2 ** 40, 8])
    expect(() => readNpy(header, 'huge.npy')).toThrow(/more than 2147483647 elements/)
  })

  it('.safetensors whose header claims 2^50 elements', () => {
    const json = new TextEncoder().encode(JSON.stringify({ topk_ids: { dtype: 'I32', shape: [2 ** 25, 2 ** 25], data_offsets: [0, 8] } }))
    const bytes = new Uint8Array(8 + json.length + 8)
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true)
    bytes.set(json, 8)
    expect(() => readSafetensors(bytes, 'huge.safetensors')).toThrow(TraceFormatError)
    expect(() => readSafetensors(bytes, 'huge.safetensors')).toThrow(/elements/)
  })

  it('.safetensors whose header length is 2^63', () => {
    const bytes = new Uint8Array(64)
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true)
    bytes[8] = 0x7b
    expect(() => readSafetensors(bytes, 'len.safetensors')).toThrow(/over the .*-byte limit/)
  })

  it('.pt whose tensor claims a size far beyond its storage', () => {
    const bytes = writeTorch(ndarray(Int32Array.from([1, 2, 3, 4]), [2, 2]))
    // Rewrite the size tuple (2, 2) → (200, 2): BININT1 2 BININT1 2 after the offset 0.
    const patched = bytes.slice()
    const at = patched.findIndex(
      (_, i) =>
        patched[i] === 0x28 && patched[i + 1] === 0x4b && patched[i + 2] === 2 && patched[i + 3] === 0x4b && patched[i + 4] === 2 && patched[i + 5] === 0x74,
    )
    expect(at).toBeGreaterThan(0)
    patched[at + 2] = 200
    expect(() => readTorch(patched, 'big.pt')).toThrow(/reach outside a storage of 4 elements/)
  })
})

describe('big-endian and Fortran-order arrays are typed errors that say how to fix them', () => {
  const npyWith = (dict: string, data: Uint8Array): Uint8Array => {
    const header = npyHeader('int32', [2, 2])
    const text = dict.padEnd(header.length - 11, ' ') + '\n'
    const out = new Uint8Array(10 + text.length + data.length)
    out.set(header.subarray(0, 8))
    new DataView(out.buffer).setUint16(8, text.length, true)
    out.set(new TextEncoder().encode(text), 10)
    out.set(data, 10 + text.length)
    return out
  }
  it('big-endian .npy (synthetic)', () => {
    const bytes = npyWith("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(16))
    expect(() => readNpy(bytes, 'be.npy')).toThrow(/'>i4' \(big-endian; convert with/)
  })
  it('Fortran-order .npy (synthetic)', () => {
    const bytes = npyWith("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(16))
    expect(() => readNpy(bytes, 'f.npy')).toThrow(/Fortran-order arrays are not supported; save with np.ascontiguousarray/)
  })
  it('big-endian torch archive (byteorder "big")', () => {
    const entries = unzipSync(writeTorch(ndarray(Int32Array.from([1, 2]), [2])))
    entries['archive/byteorder'] = new TextEncoder().encode('big')
    expect(() => readTorch(zipSync(entries), 'be.pt')).toThrow(/big-endian tensors are not supported/)
  })

  it.runIf(hasNumpy || pythonRequired)('big-endian and Fortran-order files numpy writes', () => {
    python(
      `
import sys, numpy as np
a = np.arange(12, dtype=np.int32).reshape(3, 4)
np.save(sys.argv[1] + "/be.npy", a.astype(">i4"))
np.save(sys.argv[1] + "/fortran.npy", np.asfortranarray(a))
np.savez(sys.argv[1] + "/be.npz", topk_ids=a.astype(">i8"))
np.save(sys.argv[1] + "/object.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
`,
      [dir],
    )
    for (const [file, message] of [
      ['be.npy', /'>i4' \(big-endian/],
      ['fortran.npy', /Fortran-order/],
      ['be.npz', /be\.npz:topk_ids\.npy: npy dtype: '>i8' \(big-endian/],
      ['object.npy', /'\|O' is not supported/],
    ] as const) {
      const error = attempt(readFileSync(join(dir, file)), file)
      expect(TraceFormatError.isInstance(error), file).toBe(true)
      expect((error as Error).message).toMatch(message)
    }
  })
})

describe.runIf(hasTorch || pythonRequired)('a malicious .pt runs nothing', () => {
  const marker = join(dir, 'pwned-marker')
  const control = join(dir, 'control-marker')
  const write = (path: string, target: string, how: string): void => {
    python(
      `
import os, sys, builtins, torch
class Evil:
    def __reduce__(self):
        return ${how}
torch.save({"topk_ids": torch.zeros(2, 2, dtype=torch.int32), "payload": Evil()}, sys.argv[1])
`,
      [path, target],
    )
  }

  it('os.system via __reduce__ is an UnsafePickleError naming the global; the marker file never appears', () => {
    const file = join(dir, 'evil.pt')
    write(file, marker, `(os.system, ("touch " + ${JSON.stringify(marker)},))`)
    let error: unknown
    try {
      readTrace(readFileSync(file), 'evil.pt')
    } catch (e) {
      error = e
    }
    expect(UnsafePickleError.isInstance(error)).toBe(true)
    expect((error as UnsafePickleError).global).toBe('posix.system')
    expect((error as Error).message).toContain('Nothing was executed')
    expect(existsSync(marker)).toBe(false)
    // The same file does run its payload under an unrestricted unpickler: the test can fail.
    const controlFile = join(dir, 'control.pt')
    write(controlFile, control, `(os.system, ("touch " + ${JSON.stringify(control)},))`)
    python('import sys, torch; torch.load(sys.argv[1], weights_only=False)', [controlFile])
    expect(existsSync(control)).toBe(true)
  })

  it('builtins.eval and builtins.exec are refused too', () => {
    for (const fn of ['eval', 'exec']) {
      const file = join(dir, `${fn}.pt`)
      write(file, marker, `(builtins.${fn}, ("open(" + ${JSON.stringify(JSON.stringify(marker))} + ", 'w')",))`)
      expect(() => readTorch(readFileSync(file), `${fn}.pt`)).toThrow(new RegExp(`asks for (__builtin__|builtins)\\.${fn}`)) // protocol 2 spells builtins __builtin__
    }
    expect(existsSync(marker)).toBe(false)
  })
})

describe('hand-made pickles that build objects are refused', () => {
  const torchWithPickle = (pickle: Uint8Array): Uint8Array => {
    return zipSync({ 'archive/data.pkl': pickle, 'archive/byteorder': new TextEncoder().encode('little') }, { level: 0 })
  }
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0))
  it.each([
    ['GLOBAL subprocess.Popen', [0x80, 2, 0x63, ...ascii('subprocess\nPopen\n'), 0x2e], /subprocess\.Popen/],
    ['INST os.system', [0x28, 0x69, ...ascii('os\nsystem\n'), 0x2e], /os\.system/],
    ['OBJ', [0x28, 0x4e, 0x6f, 0x2e], /opcode 0x6f/],
    ['STACK_GLOBAL builtins.getattr', [0x80, 4, 0x8c, 8, ...ascii('builtins'), 0x8c, 7, ...ascii('getattr'), 0x93, 0x2e], /builtins\.getattr/],
  ] as const)('%s', (_, pickle, message) => {
    let error: unknown
    try {
      readTorch(torchWithPickle(Uint8Array.from(pickle)), 'made.pt')
    } catch (e) {
      error = e
    }
    expect(UnsafePickleError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(message)
  })
})

describe('fuzz: mutated files are read or refused with a typed error, never a crash', () => {
  /** A mutation of a file: flipped/overwritten bytes (often in the header), a cut, or inserted bytes. */
  const mutation = (length: number) =>
    fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        edits: fc.array(fc.tuple(fc.nat({ max: Math.min(length - 1, 255) }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
      }),
      fc.record({
        kind: fc.constant('set' as const),
        edits: fc.array(fc.tuple(fc.nat({ max: length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat({ max: length }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: length }), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    )
  type Mutation = { kind: 'set'; edits: [number, number][] } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array }
  const apply = (bytes: Uint8Array, m: Mutation): Uint8Array => {
    if (m.kind === 'cut') return bytes.slice(0, m.at)
    if (m.kind === 'insert') {
      const out = new Uint8Array(bytes.length + m.bytes.length)
      out.set(bytes.subarray(0, m.at))
      out.set(m.bytes, m.at)
      out.set(bytes.subarray(m.at), m.at + m.bytes.length)
      return out
    }
    const out = bytes.slice()
    for (const [i, v] of m.edits) out[i] = v
    return out
  }

  for (const format of FORMATS) {
    const bytes = files[format]
    test.prop([mutation(bytes.length)], { seed: 20261206, numRuns: format === 'json' || format === 'jsonl' || format === 'csv' ? 600 : 1500 })(
      `.${format}`,
      (m) => {
        const name = `fuzz.${format}`
        expectTyped(attempt(apply(bytes, m as Mutation), name), name)
      },
    )
  }

  test.prop([fc.uint8Array({ maxLength: 512 }), fc.constantFrom(...FORMATS)], { seed: 7, numRuns: 1000 })('random bytes under any name', (bytes, format) => {
    expectTyped(attempt(bytes, `random.${format}`), `random.${format}`)
  })

  it('the unmutated files read back to the same counts (the fuzz starts from valid files)', () => {
    for (const format of FORMATS)
      expect(Array.from(traceCounts(readTrace(files[format], `ok.${format}`, { experts: E }))), format).toEqual(Array.from(traceCounts(trace)))
    expect(readNpy(writeNpy(ndarray(Int32Array.from([1]), [1]))).shape).toEqual([1])
    expect(Object.keys(readSafetensors(writeSafetensors({ a: ndarray(Int32Array.from([1]), [1]) })).tensors)).toEqual(['a'])
    expect(writeNpz({ a: ndarray(Int32Array.from([1]), [1]) }).length).toBeGreaterThan(0)
  })
})

describe('empty and degenerate traces are analysed or refused with a typed error', () => {
  it('zero layers, zero tokens, all-zero counts', () => {
    const noLayers = traceFromArrays({ '': ndarray(new Int32Array(0), [0, 8]) }, { experts: 8 })
    expect(() => fitTrace(noLayers)).toThrow(/at least one layer/)
    expect(() => analyzeTrace(noLayers, { epSize: 2 })).toThrow(/at least one layer/)
    const zeros = traceFromArrays({ counts: ndarray(new Float64Array(8), [1, 8]) })
    expect(() => fitTrace(zeros)).toThrow(/at least one token/)
    expect(analyzeTrace(zeros, { epSize: 2 }).balancedness?.static).toBe(1)
    const noTokens = traceFromArrays({ topk_ids: ndarray(new Int32Array(0), [0, 8]) }, { experts: 8 })
    expect(analyzeTrace(noTokens).total.summary.total).toBe(0)
  })

  test.prop(
    [
      fc.record({
        layers: fc.integer({ min: 1, max: 3 }),
        tokens: fc.integer({ min: 0, max: 12 }),
        k: fc.integer({ min: 1, max: 4 }),
        e: fc.integer({ min: 1, max: 16 }),
        seed: fc.nat(),
      }),
      fc.integer({ min: 1, max: 16 }),
    ],
    { seed: 11, numRuns: 300 },
  )('analyzeTrace on any small ids trace, with any EP size: a result or a typed error', ({ layers, tokens, k, e, seed }, epSize) => {
    const ids = Int32Array.from({ length: layers * tokens * k }, (_, i) => ((i * 2654435761 + seed) % e) >>> 0)
    const trace = idsTrace({ ids, layers, tokens, topK: k, numExperts: e })
    try {
      const a = analyzeTrace(trace, { epSize })
      expect(Array.from(a.total.counts).reduce((x, y) => x + y, 0)).toBe(layers * tokens * k)
    } catch (error) {
      expect(RoutesimError.isInstance(error), String(error)).toBe(true)
    }
  })
})
