import { InvalidArgumentError, createPrng, validateTopKArguments } from '@routesim/core'
import type { TopKOptions } from '@routesim/core'
import { checkLogitsForKernel, topKKernelLimitation } from './gpu-top-k.ts'
import { cellCount, floatLiteral, packingFor, topKSource, unpackIds } from './kernel-source.ts'
import type { KernelRunner } from './kernel-runner.ts'

/**
 * Rows per device-resident logits chunk: a 2-D gpu.js output dispatches 8×8 workgroups, so rows/8 must
 * stay ≤ 65,535 workgroups; 262,144 rows leaves room (and 256 MiB at E = 256).
 */
export const RESIDENT_CHUNK_ROWS = 262_144

/** Logits `[rows, cols]` held in device buffers (one per chunk of rows). Free them with `dispose()`. */
export interface ResidentLogits {
  readonly rows: number
  readonly cols: number
  dispose(): void
}

interface DeviceHandle {
  delete(): void
}

class DeviceLogits implements ResidentLogits {
  readonly rows: number
  readonly cols: number
  readonly chunks: { readonly start: number; readonly n: number; readonly handle: DeviceHandle }[]
  #disposed = false

  constructor(rows: number, cols: number, chunks: DeviceLogits['chunks']) {
    this.rows = rows
    this.cols = cols
    this.chunks = chunks
  }

  get disposed(): boolean {
    return this.#disposed
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    for (const chunk of this.chunks) chunk.handle.delete()
  }
}

export interface ResidentTopK {
  /** Copies host logits `[rows, cols]` into device buffers (validated: finite, within ±1e30). */
  uploadLogits(logits: Float32Array, rows: number, cols: number): Promise<ResidentLogits>
  /** Synthesizes N(0, scale²) logits on the device (Box–Muller on gpu.js's seeded PCG stream). */
  randomLogits(options: { rows: number; cols: number; seed: number; scale?: number }): Promise<ResidentLogits>
  /** Top-k of device-resident logits; ids and the winners' scores are computed on the device. */
  topK(logits: ResidentLogits, options: TopKOptions): Promise<ResidentTopKOutput>
}

/**
 * What the resident top-k reads back: ids and the winners' unbiased scores, both computed on the device
 * (the logits never reach the host, so unlike `TopKOutput` there are no winner logits to hand back).
 */
export interface ResidentTopKOutput {
  readonly ids: Int32Array
  /** The winners' scores when `options.needWeights` (default true), else zero-filled. */
  readonly weights: Float32Array
}

export function createResidentTopK(runner: KernelRunner): ResidentTopK {
  const chunkRows = (cols: number) => Math.max(1, Math.min(RESIDENT_CHUNK_ROWS, Math.floor(2 ** 30 / (4 * cols))))
  const checkSize = (rows: unknown, cols: unknown) => {
    if (!Number.isInteger(rows) || (rows as number) < 0) throw new InvalidArgumentError({ parameter: 'rows', value: rows, allowed: 'an integer ≥ 0' })
    if (!Number.isInteger(cols) || (cols as number) < 1) throw new InvalidArgumentError({ parameter: 'cols', value: cols, allowed: 'an integer ≥ 1' })
  }

  return {
    async uploadLogits(logits, rows, cols) {
      validateTopKArguments(logits, rows, cols, { k: 1, scoring: 'logits' })
      if (!checkLogitsForKernel(logits, cols)) {
        throw new InvalidArgumentError({ parameter: 'logits', value: 'values beyond ±1e30', allowed: 'finite logits within ±1e30 on the resident path' })
      }
      const chunks: DeviceLogits['chunks'] = []
      const size = chunkRows(cols)
      for (let start = 0; start < rows; start += size) {
        const n = Math.min(size, rows - start)
        const handle = (await runner.runResident(
          {
            key: `resident-upload:${cols}:${n}`,
            source: 'function (a) { return a[this.thread.y][this.thread.x]; }',
            cells: n * cols,
            output: [cols, n],
            constants: {},
            returnType: 'Number',
          },
          [runner.input(logits.subarray(start * cols, (start + n) * cols), [cols, n])],
        )) as DeviceHandle
        chunks.push({ start, n, handle })
      }
      return new DeviceLogits(rows, cols, chunks)
    },

    async randomLogits({ rows, cols, seed, scale = 1 }) {
      checkSize(rows, cols)
      if (!(Number.isFinite(scale) && scale > 0 && scale <= 1e6)) {
        throw new InvalidArgumentError({ parameter: 'scale', value: scale, allowed: 'a finite number in (0, 1e6]' })
      }
      const chunks: DeviceLogits['chunks'] = []
      const size = chunkRows(cols)
      for (let start = 0, chunk = 0; start < rows; start += size, chunk++) {
        const n = Math.min(size, rows - start)
        const source = [
          'function () {',
          'let u1 = Math.random(); if (u1 < 1.0e-7) { u1 = 1.0e-7; }',
          'const u2 = Math.random();',
          `return ${floatLiteral(scale)} * Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(6.283185307179586 * u2);`,
          '}',
        ].join('\n')
        const handle = (await runner.runResident(
          { key: `resident-normal:${cols}:${n}:${scale}`, source, cells: n * cols, output: [cols, n], constants: {}, returnType: 'Number' },
          [],
          createPrng(seed, 'routesim/gpu', 'random-logits', chunk).nextUint32(),
        )) as DeviceHandle
        chunks.push({ start, n, handle })
      }
      return new DeviceLogits(rows, cols, chunks)
    },

    async topK(logits, options) {
      if (!(logits instanceof DeviceLogits) || logits.disposed) {
        throw new InvalidArgumentError({ parameter: 'logits', value: logits, allowed: 'live ResidentLogits from this backend' })
      }
      const { rows, cols } = logits
      const o = validateTopKArguments(new Float32Array(0), 0, cols, options)
      const limitation = topKKernelLimitation(o)
      if (limitation !== undefined) {
        throw new InvalidArgumentError({ parameter: 'options', value: limitation, allowed: 'shapes within the kernel limits on the resident path' })
      }
      const { k, scoring } = o
      const grouping =
        o.groupScore === 'none'
          ? undefined
          : { numGroups: o.numGroups, topkGroup: o.topkGroup, topN: o.groupScore === 'max' ? 1 : o.groupTopN, maskValue: o.maskValue }
      const generated = topKSource({
        numExperts: cols,
        k,
        scoring,
        hasBias: o.bias !== undefined,
        grouping,
        polynomialExp: false,
        withNormaliser: false,
        weightsInKernel: o.needWeights,
      })
      const packing = packingFor(cols)
      const ids = new Int32Array(rows * k)
      const weights = new Float32Array(rows * k)
      const key = ['resident-topk', cols, k, scoring, o.bias !== undefined, o.needWeights, grouping ? JSON.stringify(grouping) : '-'].join(':')
      for (const chunk of logits.chunks) {
        const { start, n } = chunk
        const args: unknown[] = [chunk.handle]
        if (o.bias !== undefined) args.push(o.bias)
        const flat = await runner.run(
          { key: `${key}:${n}`, source: generated.source, cells: cellCount(n, generated.groups), constants: { E: cols, N: n } },
          args,
        )
        unpackIds(flat, n, k, generated.groups, generated.idGroups, packing, ids, start)
        if (!o.needWeights) continue
        for (let t = 0; t < n; t++) {
          const base = ((t >> 2) * 4 * generated.groups + generated.idGroups * 4 + (t & 3)) * 4
          for (let j = 0; j < k; j++) weights[(start + t) * k + j] = flat[base + (j >> 2) * 16 + (j & 3)]!
        }
      }
      return { ids, weights }
    },
  }
}
