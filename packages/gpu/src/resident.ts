import { BackendUnavailableError, InvalidArgumentError, createPrng, validateSampleIdsOptions } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { DeviceStep, DeviceStepOptions, SamplingKind } from '@routesim/core'
import type { GpuJsModule } from './gpu-module.ts'
import { categoricalTables, residentDraw } from './gpu-sampling.ts'
import type { KernelRunner } from './kernel-runner.ts'
import { KERNEL_MAX_EXPERTS, KERNEL_MAX_TOPK, MAX_CHUNK_ROWS, REJECTION_MAX_TRIES } from './thresholds.ts'
import { openResidentStep } from './resident-step.ts'
import { createResidentTopK } from './resident-top-k.ts'
import type { HostTopK, ResidentTopK } from './resident-top-k.ts'
import { SAMPLER_WORKGROUP, samplerPassSource } from './sampler-pass.ts'
import type { SamplerPassSpec } from './sampler-pass.ts'
import {
  BufferPool,
  MAP_MODE_READ,
  checkedSubmit,
  USAGE_COPY_DST,
  USAGE_COPY_SRC,
  USAGE_MAP_READ,
  USAGE_STORAGE,
  USAGE_UNIFORM,
  dispatchFor,
} from './webgpu-device.ts'
import type { ComputePipeline, Device } from './webgpu-device.ts'

export interface ResidentSampleOptions {
  readonly kind: SamplingKind
  /** Tokens per layer. */
  readonly rows: number
  readonly numExperts: number
  readonly k: number
  /** Layers sampled in the same call (default 1); per-layer weights for `categorical_distinct`. */
  readonly layers?: number | undefined
  /** `categorical_distinct`: one weight vector for every layer, or one per layer. */
  readonly weights?: Float64Array | readonly Float64Array[] | undefined
  readonly seed: number
}

/**
 * Device-resident routing on webgpu: ids are drawn on the device and reduced there (atomic per-layer
 * histograms) or written as int32, so only what the caller asks for crosses the bus. gpu.js kernels have
 * no scatter, atomics or integer outputs, so these passes are hand-written WGSL on gpu.js's own device.
 */
export interface ResidentRouting extends ResidentTopK {
  /**
   * Per-layer expert counts `[layers, E]` of `rows` tokens × k ids per layer, drawn and counted on the
   * device. Same seed ⇒ same counts. Only `layers · E` integers are read back.
   */
  sampleCounts(options: ResidentSampleOptions): Promise<Int32Array>
  /**
   * Where the last sampling call ran: 'webgpu' (the device pass), or 'reference' when a rejection row
   * failed all its attempts (≤ 2^-64 per slot) and the call was redone on the host.
   */
  readonly lastSample: { readonly ranOn: 'webgpu' | 'reference'; readonly draw: string } | undefined
  /** Like `backend.sampleIds`, but the ids are written as int32 on the device and read back directly. */
  sampleIds(options: ResidentSampleOptions): Promise<Int32Array>
  /** A scenario step held on the device (the backend's `openDeviceStep`): ids drawn and measured there, statistics read back. */
  openStep(options: DeviceStepOptions): Promise<DeviceStep>
}

/** Creates the resident API over the runner's gpu.js webgpu kernels and gpu.js's WebGPU device. */
export function createResidentRouting(module: GpuJsModule, runner: KernelRunner): { routing: ResidentRouting; hostTopK: HostTopK; dispose(): void } {
  let device: Promise<Device> | undefined
  let disposed = false
  const getDevice = (): Promise<Device> => {
    if (disposed) return Promise.reject(new BackendUnavailableError({ mode: 'webgpu', reason: 'this backend has been disposed' }))
    return (device ??= (async () => {
      if (module.WebGPUContext === undefined) throw new Error('gpu.js has no WebGPU context')
      return ((await module.WebGPUContext.acquire()) as unknown as { device: Device }).device
    })())
  }
  const reference = createReferenceBackend()
  const pipelines = new Map<string, ComputePipeline>()
  let lastSample: ResidentRouting['lastSample']

  const resolve = (options: ResidentSampleOptions) => {
    const layers = options.layers ?? 1
    if (!Number.isInteger(layers) || layers < 1) {
      throw new InvalidArgumentError({ parameter: 'options.layers', value: layers, allowed: 'an integer ≥ 1' })
    }
    const perLayer = Array.isArray(options.weights) ? (options.weights as readonly Float64Array[]) : undefined
    if (perLayer !== undefined && perLayer.length !== layers) {
      throw new InvalidArgumentError({ parameter: 'options.weights', value: `${perLayer.length} weight vectors`, allowed: `one per layer (${layers})` })
    }
    const weightRows = Array.from({ length: layers }, (_, l) => perLayer?.[l] ?? (options.weights as Float64Array | undefined))
    // Core's checks, per layer (kind, sizes, weights, seed).
    const validated = weightRows.map((weights) =>
      validateSampleIdsOptions({ kind: options.kind, rows: options.rows, numExperts: options.numExperts, k: options.k, weights, seed: options.seed }),
    )
    const first = validated[0]!
    if (first.numExperts > KERNEL_MAX_EXPERTS) {
      throw new InvalidArgumentError({
        parameter: 'options.numExperts',
        value: first.numExperts,
        allowed: `at most ${KERNEL_MAX_EXPERTS} on the resident path`,
      })
    }
    if (first.k > KERNEL_MAX_TOPK) {
      throw new InvalidArgumentError({ parameter: 'options.k', value: first.k, allowed: `at most ${KERNEL_MAX_TOPK} ids per token on the resident path` })
    }
    if (layers * first.rows > MAX_CHUNK_ROWS * 16) {
      throw new InvalidArgumentError({ parameter: 'options.rows', value: first.rows, allowed: `layers × rows ≤ ${MAX_CHUNK_ROWS * 16}` })
    }
    // One draw for all layers: rejection only if every layer's head is light enough.
    const draw: SamplerPassSpec['draw'] = residentDraw(first.kind, weightRows, first.numExperts, first.k)
    return { layers, weightRows, first, draw }
  }

  const run = async (options: ResidentSampleOptions, output: 'counts' | 'ids'): Promise<Int32Array> => {
    const { layers, weightRows, first, draw } = resolve(options)
    const { numExperts: E, k, rows } = first
    const totalRows = rows * layers
    const outLength = output === 'counts' ? layers * E : totalRows * k
    if (totalRows === 0) return new Int32Array(outLength)
    const gpu = await getDevice()
    const spec: SamplerPassSpec = { draw, numExperts: E, k, maxTries: REJECTION_MAX_TRIES, output }
    const key = JSON.stringify(spec)
    let pipeline = pipelines.get(key)
    if (pipeline === undefined) {
      pipeline = gpu.createComputePipeline({
        layout: 'auto',
        compute: { module: gpu.createShaderModule({ code: samplerPassSource(spec) }), entryPoint: 'main' },
      })
      pipelines.set(key, pipeline)
    }
    // Each output keeps its own buffers and every call touches only the bytes it uses, so a call costs the
    // same whatever ran before it (a 32 MiB ids read-back used to leave a staging buffer that counts mapped whole).
    const countsLength = layers * E + 1 // + failed-row counter
    const counts = pool.get(gpu, `counts:${output}`, countsLength * 4, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST)
    const ids = pool.get(gpu, `ids:${output}`, output === 'ids' ? totalRows * k * 4 : 4, USAGE_STORAGE | USAGE_COPY_SRC)
    const tableLength = draw === 'uniform_iid' || draw === 'uniform_rejection' ? 1 : layers * E
    const table = pool.get(gpu, `table:${output}`, tableLength * 4, USAGE_STORAGE | USAGE_COPY_DST)
    if (tableLength > 1) {
      const tables = categoricalTables(weightRows, E)
      gpu.queue.writeBuffer(table, 0, draw === 'categorical_rejection' ? tables.cdf : tables.logWeights)
    }
    const { x, y, width } = dispatchFor(totalRows, SAMPLER_WORKGROUP)
    const randomSeed = createPrng(first.seed, 'routesim/gpu', 'resident', first.kind).nextUint32()
    const params = pool.get(gpu, `params:${output}`, 32, USAGE_UNIFORM | USAGE_COPY_DST)
    gpu.queue.writeBuffer(params, 0, new Uint32Array([totalRows, rows, width, randomSeed, layers * E, 0, 0, 0]))
    const readLength = output === 'counts' ? countsLength * 4 : totalRows * k * 4
    const mapLength = readLength + (output === 'ids' ? 4 : 0)
    const staging = pool.get(gpu, `staging:${output}`, mapLength, USAGE_MAP_READ | USAGE_COPY_DST)
    const record = () => {
      const bindGroup = gpu.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        // 'auto' layouts drop unused bindings: the table only for drawn-from-weights kinds, counts when counted
        // or when rejection can fail, ids only when written.
        entries: [
          { binding: 0, resource: { buffer: params } },
          ...(tableLength > 1 ? [{ binding: 1, resource: { buffer: table } }] : []),
          ...(output === 'counts' || draw.endsWith('rejection') ? [{ binding: 2, resource: { buffer: counts } }] : []),
          ...(output === 'ids' ? [{ binding: 3, resource: { buffer: ids } }] : []),
        ],
      })
      const encoder = gpu.createCommandEncoder()
      encoder.clearBuffer(counts, 0, countsLength * 4)
      const pass = encoder.beginComputePass()
      pass.setPipeline(pipeline)
      pass.setBindGroup(0, bindGroup)
      pass.dispatchWorkgroups(x, y)
      pass.end()
      if (output === 'counts') encoder.copyBufferToBuffer(counts, 0, staging, 0, readLength)
      else {
        encoder.copyBufferToBuffer(ids, 0, staging, 0, readLength)
        encoder.copyBufferToBuffer(counts, layers * E * 4, staging, readLength, 4)
      }
      gpu.queue.submit([encoder.finish()])
    }
    const out = new Int32Array(outLength)
    const failedRows = await checkedSubmit(gpu, record, async () => {
      // The result's pages are faulted in while the device works, not after the read-back.
      out.fill(0)
      await staging.mapAsync(MAP_MODE_READ, 0, mapLength)
      try {
        const view = new Uint32Array(staging.getMappedRange(0, mapLength))
        out.set(new Int32Array(view.buffer, view.byteOffset, outLength))
        // The failed-row counter: the last counts slot, or the word after the ids.
        return view[output === 'counts' ? layers * E : totalRows * k]!
      } finally {
        staging.unmap()
      }
    })
    lastSample = { ranOn: failedRows === 0 ? 'webgpu' : 'reference', draw }
    if (failedRows === 0) return out
    // A rejection slot missed all its attempts (≤ 2^-64 per slot): redo this call exactly on the host.
    return hostFallback(options, first.seed, layers, weightRows, output)
  }

  // Device buffers are reused across calls (allocating and zero-filling a 32 MiB staging buffer per
  // call costs more than the draw); calls are serialised so two never share them.
  const pool = new BufferPool()
  let tail: Promise<unknown> = Promise.resolve()
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work)
    tail = result.catch(() => undefined)
    return result
  }

  const hostFallback = (
    options: ResidentSampleOptions,
    seed: number,
    layers: number,
    weightRows: readonly (Float64Array | undefined)[],
    output: 'counts' | 'ids',
  ): Int32Array => {
    const { rows, numExperts: E, k, kind } = options
    const out = new Int32Array(output === 'counts' ? layers * E : rows * layers * k)
    for (let l = 0; l < layers; l++) {
      const layerSeed = createPrng(seed, 'routesim/gpu', 'resident-fallback', l).nextUint32()
      const ids = reference.sampleIds({ kind, rows, numExperts: E, k, weights: weightRows[l], seed: layerSeed })
      if (output === 'ids') out.set(ids, l * rows * k)
      else out.set(reference.histogram(ids, E), l * E)
    }
    return out
  }

  const topK = createResidentTopK(runner, getDevice, serialised)
  const routing: ResidentRouting = {
    ...topK.topK,
    get lastSample() {
      return lastSample
    },
    sampleCounts: (options) => serialised(() => run(options, 'counts')),
    sampleIds: (options) => serialised(() => run(options, 'ids')),
    openStep: (options) => openResidentStep(getDevice, options),
  }
  const dispose = () => {
    disposed = true
    pool.dispose()
    topK.dispose()
    pipelines.clear()
  }
  return { routing, hostTopK: topK.hostTopK, dispose }
}
