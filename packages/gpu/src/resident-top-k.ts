import { InvalidArgumentError, createPrng, validateTopKArguments } from '@routesim/core'
import type { TopKOptions, TopKOutput, WeightFinish } from '@routesim/core'
import { checkLogitsForKernel, topKKernelLimitation } from './gpu-top-k.ts'
import type { ResolvedTopKLike } from './gpu-top-k.ts'
import { floatLiteral } from './kernel-source.ts'
import type { KernelRunner } from './kernel-runner.ts'
import { RouterPass, validateWeightFinish } from './router-pass.ts'
import type { LogitsChunk, RouteOutputs } from './router-pass.ts'
import { USAGE_COPY_DST, USAGE_STORAGE } from './webgpu-device.ts'
import type { Buffer, Device } from './webgpu-device.ts'

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

/** gpu.js's pipeline-mode result on webgpu (`WebGPUBufferResult`): the output storage buffer. */
interface DeviceHandle {
  readonly buffer: Buffer
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
  /** Top-k of device-resident logits; ids and the winners' unbiased scores are computed on the device. */
  topK(logits: ResidentLogits, options: TopKOptions): Promise<ResidentTopKOutput>
  /**
   * A router on the device: selection by `topK` and the router's weights by `finish` (a router plan's
   * `weightFinish`), both in one pass; int32 ids and float32 weights come back in one read, as two views
   * of one buffer, or copied into `out` when given (caller-owned outputs).
   */
  route(logits: ResidentLogits, topK: TopKOptions, finish: WeightFinish, out?: RouteOutputs): Promise<ResidentTopKOutput>
}

/**
 * What the resident top-k reads back: ids and weights, both computed on the device (the logits never
 * reach the host, so unlike `TopKOutput` there are no winner logits to hand back).
 */
export interface ResidentTopKOutput {
  readonly ids: Int32Array
  /** `topK`: the winners' scores when `options.needWeights` (default true), else zero-filled. `route`: the router's weights. */
  readonly weights: Float32Array
}

/**
 * The resident top-k over the runner's gpu.js webgpu kernels (upload, synthesis) and the router pass on
 * gpu.js's device (selection and weights). `serialised` runs device work one call at a time.
 */
/**
 * Top-k of host logits on the device (the webgpu backend's `topK`): ids, winners' logits, normaliser, deprecated
 * weights; undefined when some logit is NaN, ±∞ or beyond ±1e30 (checked on the device; the host then scans).
 */
export type HostTopK = (logits: Float32Array, o: ResolvedTopKLike, chunkRows: number) => Promise<TopKOutput | undefined>

export function createResidentTopK(
  runner: KernelRunner,
  getDevice: () => Promise<Device>,
  serialised: <T>(work: () => Promise<T>) => Promise<T>,
): { topK: ResidentTopK; hostTopK: HostTopK; dispose(): void } {
  const pass = new RouterPass()
  const liveLogits = (logits: ResidentLogits): DeviceLogits => {
    if (!(logits instanceof DeviceLogits) || logits.disposed) {
      throw new InvalidArgumentError({ parameter: 'logits', value: logits, allowed: 'live ResidentLogits from this backend' })
    }
    return logits
  }
  const selectOnDevice = async (
    logits: DeviceLogits,
    options: TopKOptions,
    finish: WeightFinish | undefined,
    out?: RouteOutputs,
  ): Promise<ResidentTopKOutput> => {
    const { rows, cols } = logits
    const o = validateTopKArguments(new Float32Array(0), 0, cols, options)
    const limitation = topKKernelLimitation(o)
    if (limitation !== undefined) {
      throw new InvalidArgumentError({ parameter: 'options', value: limitation, allowed: 'shapes within the kernel limits on the resident path' })
    }
    const grouping =
      o.groupScore === 'none'
        ? undefined
        : { numGroups: o.numGroups, topkGroup: o.topkGroup, topN: o.groupScore === 'max' ? 1 : o.groupTopN, maskValue: o.maskValue }
    const spec = { numExperts: cols, k: o.k, scoring: o.scoring, hasBias: o.bias !== undefined, grouping, finish }
    const chunks = logits.chunks.map(({ start, n, handle }) => ({ start, n, buffer: handle.buffer }))
    const device = await getDevice()
    return serialised(() => {
      if (logits.disposed) throw new InvalidArgumentError({ parameter: 'logits', value: logits, allowed: 'live ResidentLogits from this backend' })
      return pass.run(device, chunks, rows, spec, o.bias, out)
    })
  }
  const chunkRows = (cols: number) => Math.max(1, Math.min(RESIDENT_CHUNK_ROWS, Math.floor(2 ** 30 / (4 * cols))))
  const checkSize = (rows: unknown, cols: unknown) => {
    if (!Number.isInteger(rows) || (rows as number) < 0) throw new InvalidArgumentError({ parameter: 'rows', value: rows, allowed: 'an integer ≥ 0' })
    if (!Number.isInteger(cols) || (cols as number) < 1) throw new InvalidArgumentError({ parameter: 'cols', value: cols, allowed: 'an integer ≥ 1' })
  }

  const topK: ResidentTopK = {
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
      const o = validateTopKArguments(new Float32Array(0), 0, liveLogits(logits).cols, options)
      return selectOnDevice(liveLogits(logits), options, o.needWeights ? { score: o.scoring, normalize: false, epsilon: 0, scale: 1 } : undefined)
    },

    async route(logits, topK, finish, out) {
      return selectOnDevice(liveLogits(logits), topK, validateWeightFinish(finish), out)
    },
  }
  const hostTopK: HostTopK = async (logits, o, chunkRows) => {
    const { rows, cols, k } = o
    const grouping =
      o.groupScore === 'none'
        ? undefined
        : { numGroups: o.numGroups, topkGroup: o.topkGroup, topN: o.groupScore === 'max' ? 1 : o.groupTopN, maskValue: o.maskValue }
    const spec = {
      numExperts: cols,
      k,
      scoring: o.scoring,
      hasBias: o.bias !== undefined,
      grouping,
      finish: o.needWeights ? { score: o.scoring, normalize: false, epsilon: 0, scale: 1 } : undefined,
      winnerLogits: true,
      normalizer: o.normalizer,
      checkRange: true,
    }
    const device = await getDevice()
    const out = await serialised(() => {
      // The host logits go into storage buffers (one per chunk of rows) through one reused mapped upload
      // buffer: queue.writeBuffer would stage a large write in a fresh allocation every call.
      const chunks: LogitsChunk[] = []
      for (let start = 0, c = 0; start < rows; start += chunkRows, c++) {
        const n = Math.min(chunkRows, rows - start)
        chunks.push({ start, n, buffer: pass.buffer(device, `logits:${c}`, 4 * n * cols, USAGE_STORAGE | USAGE_COPY_DST) })
      }
      return pass.upload(device, logits.subarray(0, rows * cols), chunks, cols).then(() => pass.run(device, chunks, rows, spec, o.bias))
    })
    if (out.outOfRange === true) return undefined
    const normalizer = out.max !== undefined && out.sum !== undefined ? { max: Float64Array.from(out.max), sum: Float64Array.from(out.sum) } : undefined
    return { ids: out.ids, weights: out.weights, winnerLogits: out.winnerLogits!, ...(normalizer ? { normalizer } : {}) }
  }
  return { topK, hostTopK, dispose: () => pass.dispose() }
}
