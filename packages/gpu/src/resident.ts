import { InvalidArgumentError, createPrng, validateSampleIdsOptions } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { SamplingKind } from '@routesim/core'
import type { GpuJsModule } from './gpu-module.ts'
import { categoricalTables, chooseSamplerDraw, headMass } from './gpu-sampling.ts'
import { cellCount, packingFor, samplerSource } from './kernel-source.ts'
import type { KernelRunner } from './kernel-runner.ts'
import { KERNEL_MAX_EXPERTS, KERNEL_MAX_TOPK, MAX_CHUNK_ROWS, REJECTION_MAX_MASS, REJECTION_MAX_TRIES } from './thresholds.ts'
import type { SamplerDraw } from './kernel-source.ts'
import { createResidentTopK } from './resident-top-k.ts'
import type { ResidentTopK } from './resident-top-k.ts'
import { BufferPool, MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM, dispatchFor } from './webgpu-device.ts'
import type { Buffer, ComputePipeline, Device } from './webgpu-device.ts'

const WORKGROUP = 64

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
 * Device-resident routing on webgpu: ids are drawn by gpu.js kernels into device buffers and reduced
 * there by small WGSL passes (atomic histograms, unpacking), so only what the caller asks for crosses
 * the bus. gpu.js has no scatter or atomics, hence the two hand-written passes on gpu.js's own device.
 */
export interface ResidentRouting extends ResidentTopK {
  /**
   * Per-layer expert counts `[layers, E]` of `rows` tokens × k ids per layer, drawn and counted on the
   * device. Same seed ⇒ same counts. Only `layers · E` integers are read back.
   */
  sampleCounts(options: ResidentSampleOptions): Promise<Int32Array>
  /** Like `backend.sampleIds`, but ids are unpacked on the device and read back as int32 directly. */
  sampleIds(options: ResidentSampleOptions): Promise<Int32Array>
}

const HISTOGRAM_WGSL = /* wgsl */ `
struct Params { cells : u32, groups : u32, idGroups : u32, totalRows : u32, rowsPerLayer : u32, k : u32,
                experts : u32, perFloat : u32, bits : u32, perCell : u32, mode : u32, width : u32 }
@group(0) @binding(0) var<uniform> p : Params;
@group(0) @binding(1) var<storage, read> packed : array<f32>;
@group(0) @binding(2) var<storage, read_write> counts : array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> ids : array<u32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let cell = gid.x + gid.y * p.width;
  if (cell >= p.cells) { return; }
  let q = cell / (4u * p.groups);
  let r = cell - q * 4u * p.groups;
  let g = r / 4u;
  let tok = q * 4u + (r - g * 4u);
  if (tok >= p.totalRows || g >= p.idGroups) { return; }
  let layer = tok / p.rowsPerLayer;
  let failedSlot = p.experts * (p.totalRows / p.rowsPerLayer);
  if (packed[cell * 4u] < 0.0) {
    if (g == 0u) { atomicAdd(&counts[failedSlot], 1u); }
    return;
  }
  let mask = (1u << p.bits) - 1u;
  for (var f = 0u; f < 4u; f++) {
    let v = u32(packed[cell * 4u + f]);
    for (var j = 0u; j < p.perFloat; j++) {
      let slot = g * p.perCell + f * p.perFloat + j;
      if (slot < p.k) {
        let id = (v >> (p.bits * (p.perFloat - 1u - j))) & mask;
        if (p.mode == 0u) { atomicAdd(&counts[layer * p.experts + id], 1u); }
        else { ids[tok * p.k + slot] = id; }
      }
    }
  }
}`

interface Passes {
  readonly device: Device
  readonly pipeline: ComputePipeline
}

/** Creates the resident API over the runner's gpu.js webgpu kernels and gpu.js's WebGPU device. */
export function createResidentRouting(module: GpuJsModule, runner: KernelRunner): { routing: ResidentRouting; dispose(): void } {
  let passes: Promise<Passes> | undefined
  const getPasses = (): Promise<Passes> =>
    (passes ??= (async () => {
      if (module.WebGPUContext === undefined) throw new Error('gpu.js has no WebGPU context')
      const { device } = (await module.WebGPUContext.acquire()) as unknown as { device: Device }
      const shader = device.createShaderModule({ code: HISTOGRAM_WGSL })
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: shader, entryPoint: 'main' } })
      return { device, pipeline }
    })())
  const reference = createReferenceBackend()

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
    if (layers * first.rows > MAX_CHUNK_ROWS * 16) {
      throw new InvalidArgumentError({ parameter: 'options.rows', value: first.rows, allowed: `layers × rows ≤ ${MAX_CHUNK_ROWS * 16}` })
    }
    // One draw for all layers: rejection only if every layer's head is light enough.
    let draw: SamplerDraw
    const choice = chooseSamplerDraw(first, 'webgpu')
    if (first.kind === 'uniform_iid') {
      if (first.k > KERNEL_MAX_TOPK) {
        throw new InvalidArgumentError({ parameter: 'options.k', value: first.k, allowed: `at most ${KERNEL_MAX_TOPK} ids per token on the resident path` })
      }
      draw = 'uniform_iid'
    } else if ('reference' in choice || choice.draw === 'gumbel_host_noise') {
      throw new InvalidArgumentError({
        parameter: 'options.k',
        value: first.k,
        allowed: `at most ${packingFor(first.numExperts).perCell} ids per token on the resident path`,
      })
    } else {
      const heavy = weightRows.some((w) => headMass(w, first.numExperts, first.k - 1) > REJECTION_MAX_MASS)
      draw = heavy ? 'gumbel_random' : first.kind === 'uniform_distinct' ? 'uniform_rejection' : 'categorical_rejection'
    }
    return { layers, weightRows, first, draw }
  }

  const run = async (options: ResidentSampleOptions, mode: 0 | 1): Promise<Int32Array> => {
    const { layers, weightRows, first, draw } = resolve(options)
    const { numExperts: E, k, rows } = first
    const totalRows = rows * layers
    const outLength = mode === 0 ? layers * E : totalRows * k
    if (totalRows === 0) return new Int32Array(outLength)
    const packing = packingFor(E)
    const generated = samplerSource({ draw, numExperts: E, k, layers, maxTries: REJECTION_MAX_TRIES })
    const cells = cellCount(totalRows, generated.groups)
    const args: unknown[] = []
    if (draw !== 'uniform_iid' && draw !== 'uniform_rejection') {
      const tables = categoricalTables(weightRows, E)
      args.push(runner.input(draw === 'categorical_rejection' ? tables.cdf : tables.logWeights, [E, layers]))
    }
    const randomSeed = createPrng(first.seed, 'routesim/gpu', 'resident', first.kind).nextUint32()
    const { device, pipeline } = await getPasses()
    const packed = (await runner.runResident(
      { key: `resident:${draw}:${E}:${k}:${rows}:${layers}`, source: generated.source, cells, constants: { E, N: totalRows, N_LAYER: rows } },
      args,
      randomSeed,
    )) as { buffer: Buffer; delete(): void }

    const countsLength = layers * E + 1 // + failed-row counter
    // Each mode keeps its own buffers and touches only the bytes this call uses, so a call costs the same
    // whatever ran before it (a 32 MiB ids read-back left a 32 MiB staging buffer, which counts used to map whole).
    const counts = pool.get(device, `counts:${mode}`, countsLength * 4, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST)
    const ids = pool.get(device, `ids:${mode}`, mode === 1 ? totalRows * k * 4 : 4, USAGE_STORAGE | USAGE_COPY_SRC)
    const { x: gx, y: gy, width } = dispatchFor(cells, WORKGROUP)
    const params = new Uint32Array([
      cells,
      generated.groups,
      generated.idGroups,
      totalRows,
      rows,
      k,
      E,
      packing.perFloat,
      packing.bits,
      packing.perCell,
      mode,
      width,
    ])
    const uniform = pool.get(device, `uniform:${mode}`, params.byteLength, USAGE_UNIFORM | USAGE_COPY_DST)
    device.queue.writeBuffer(uniform, 0, params)
    const readLength = mode === 0 ? countsLength * 4 : totalRows * k * 4
    const mapLength = readLength + (mode === 1 ? 4 : 0)
    const staging = pool.get(device, `staging:${mode}`, mapLength, USAGE_MAP_READ | USAGE_COPY_DST)
    try {
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 1, resource: { buffer: packed.buffer } },
          { binding: 2, resource: { buffer: counts } },
          { binding: 3, resource: { buffer: ids } },
        ],
      })
      const encoder = device.createCommandEncoder()
      encoder.clearBuffer(counts, 0, countsLength * 4)
      const pass = encoder.beginComputePass()
      pass.setPipeline(pipeline)
      pass.setBindGroup(0, bindGroup)
      pass.dispatchWorkgroups(gx, gy)
      pass.end()
      if (mode === 0) encoder.copyBufferToBuffer(counts, 0, staging, 0, readLength)
      else {
        encoder.copyBufferToBuffer(ids, 0, staging, 0, readLength)
        encoder.copyBufferToBuffer(counts, layers * E * 4, staging, readLength, 4)
      }
      device.queue.submit([encoder.finish()])
      await staging.mapAsync(MAP_MODE_READ, 0, mapLength)
      const view = new Uint32Array(staging.getMappedRange(0, mapLength))
      const failedRows = mode === 0 ? view[layers * E]! : view[totalRows * k]!
      const out = new Int32Array(outLength)
      out.set(new Int32Array(view.buffer, view.byteOffset, outLength))
      staging.unmap()
      if (failedRows === 0) return out
      // A rejection slot missed all its attempts (≤ 2^-64 per slot): redo this call exactly on the host.
      return hostFallback(options, first.seed, layers, weightRows, mode)
    } finally {
      packed.delete()
    }
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
    mode: 0 | 1,
  ): Int32Array => {
    const { rows, numExperts: E, k, kind } = options
    const out = new Int32Array(mode === 0 ? layers * E : rows * layers * k)
    for (let l = 0; l < layers; l++) {
      const layerSeed = createPrng(seed, 'routesim/gpu', 'resident-fallback', l).nextUint32()
      const ids = reference.sampleIds({ kind, rows, numExperts: E, k, weights: weightRows[l], seed: layerSeed })
      if (mode === 1) out.set(ids, l * rows * k)
      else out.set(reference.histogram(ids, E), l * E)
    }
    return out
  }

  const topK = createResidentTopK(runner, async () => (await getPasses()).device, serialised)
  const routing: ResidentRouting = {
    ...topK.topK,
    sampleCounts: (options) => serialised(() => run(options, 0)),
    sampleIds: (options) => serialised(() => run(options, 1)),
  }
  const dispose = () => {
    pool.dispose()
    topK.dispose()
  }
  return { routing, dispose }
}
