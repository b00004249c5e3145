import {
  BackendUnavailableError,
  InvalidArgumentError,
  assertInteger,
  assertOneOf,
  assertPositiveInteger,
  createPrng,
  validateSampleIdsOptions,
} from '@routesim/core'
import type { DeviceLayerMap, DeviceReplicaPolicy, DeviceStep, DeviceStepOptions, DeviceStepStats, SamplingKind } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { categoricalTables, residentDraw } from './gpu-sampling.ts'
import { SAMPLER_WORKGROUP, samplerPassSource } from './sampler-pass.ts'
import { STEP_WORKGROUP, stepPassSource, stepStatsStride } from './step-pass.ts'
import { KERNEL_MAX_EXPERTS, KERNEL_MAX_TOPK, MAX_CHUNK_ROWS, REJECTION_MAX_TRIES, STEP_MAX_ID_BYTES } from './thresholds.ts'
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM, checkedSubmit, dispatchFor } from './webgpu-device.ts'
import type { Buffer, ComputePipeline, Device } from './webgpu-device.ts'

const POLICIES: readonly DeviceReplicaPolicy[] = ['modulo', 'random', 'rank_local']

/** The step's options checked, with its one draw kind (uniform layers among categorical ones draw as uniform weight rows). */
function checkStepOptions(options: DeviceStepOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: 'a DeviceStepOptions object' })
  }
  const rows = assertPositiveInteger('options.rows', options.rows)
  const E = assertPositiveInteger('options.numExperts', options.numExperts)
  const k = assertPositiveInteger('options.k', options.k)
  if (E > KERNEL_MAX_EXPERTS)
    throw new InvalidArgumentError({ parameter: 'options.numExperts', value: E, allowed: `at most ${KERNEL_MAX_EXPERTS} on the device step` })
  if (k > KERNEL_MAX_TOPK)
    throw new InvalidArgumentError({ parameter: 'options.k', value: k, allowed: `at most ${KERNEL_MAX_TOPK} ids per token on the device step` })
  if (!Array.isArray(options.draws) || options.draws.length === 0) {
    throw new InvalidArgumentError({ parameter: 'options.draws', value: options.draws, allowed: 'one DeviceDraw per layer (at least one)' })
  }
  const layers = options.draws.length
  if (layers * rows > MAX_CHUNK_ROWS * 16) {
    throw new InvalidArgumentError({ parameter: 'options.rows', value: rows, allowed: `layers × rows ≤ ${MAX_CHUNK_ROWS * 16} (${layers} layers)` })
  }
  if (layers * rows * k * 4 > STEP_MAX_ID_BYTES) {
    throw new InvalidArgumentError({
      parameter: 'options.rows',
      value: rows,
      allowed: `layers × rows × k ≤ ${STEP_MAX_ID_BYTES / 4} ids on the device step (${layers} layers, k = ${k})`,
    })
  }
  const draws = options.draws.map((d, l) => {
    try {
      return validateSampleIdsOptions({ kind: d?.kind, rows, numExperts: E, k, weights: d?.weights, seed: 0 })
    } catch (error) {
      if (!InvalidArgumentError.isInstance(error)) throw error
      throw new InvalidArgumentError({ parameter: `options.draws[${l}]`, value: d, allowed: error.message })
    }
  })
  const iid = draws.filter((d) => d.kind === 'uniform_iid').length
  if (iid !== 0 && iid !== layers) {
    throw new InvalidArgumentError({
      parameter: 'options.draws',
      value: `${iid} of ${layers} layers 'uniform_iid'`,
      allowed: "all layers 'uniform_iid' or none (one device pass draws every layer the same way)",
    })
  }
  const kind: SamplingKind = iid > 0 ? 'uniform_iid' : draws.every((d) => d.kind === 'uniform_distinct') ? 'uniform_distinct' : 'categorical_distinct'
  const P = assertPositiveInteger('options.numPhysical', options.numPhysical)
  if (P < E) throw new InvalidArgumentError({ parameter: 'options.numPhysical', value: P, allowed: `at least numExperts (${E})` })
  const R = assertPositiveInteger('options.numRanks', options.numRanks)
  if (P % R !== 0) throw new InvalidArgumentError({ parameter: 'options.numRanks', value: R, allowed: `a divisor of numPhysical (${P})` })
  const N = assertPositiveInteger('options.numNodes', options.numNodes)
  if (R % N !== 0) throw new InvalidArgumentError({ parameter: 'options.numNodes', value: N, allowed: `a divisor of numRanks (${R})` })
  const policy = assertOneOf('options.policy', options.policy, POLICIES)
  const seed = options.seed
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new InvalidArgumentError({ parameter: 'options.seed', value: seed, allowed: 'a safe integer' })
  return { rows, E, k, layers, draws, kind, P, R, N, policy, seed }
}

/**
 * Opens a scenario step on `device`: the run's draws, maps and statistics live in device buffers owned by
 * the step. Each `run` is one submit (draw pass, metrics pass) and one read of `[L, stride]` statistics.
 */
export async function openResidentStep(getDevice: () => Promise<Device>, options: DeviceStepOptions): Promise<DeviceStep> {
  const o = checkStepOptions(options)
  const gpu = await getDevice()
  const { rows: T, E, k, layers: L, P, R, N, policy } = o
  // Every logical expert keeps ≥ 1 slot, so none has more than P − E + 1 replicas: one padded width for every map.
  const M = P - E + 1
  const S = stepStatsStride(E, R)
  const totalRows = L * T
  const weightRows = o.draws.map((d) => d.weights)
  const draw = residentDraw(o.kind, weightRows, E, k)
  const buffers: Buffer[] = []
  const buffer = (words: number, usage: number): Buffer => {
    const b = gpu.createBuffer({ size: Math.max(4, words * 4), usage })
    buffers.push(b)
    return b
  }
  const pipeline = (code: string): ComputePipeline =>
    gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code }), entryPoint: 'main' } })

  const sampler = pipeline(samplerPassSource({ draw, numExperts: E, k, maxTries: REJECTION_MAX_TRIES, output: 'ids' }))
  const metrics = new Map<boolean, ComputePipeline>()
  const metricsPipeline = (writePhysical: boolean) => {
    let p = metrics.get(writePhysical)
    if (p === undefined) {
      p = pipeline(stepPassSource({ numExperts: E, k, numPhysical: P, maxReplicas: M, numRanks: R, policy, writePhysical }))
      metrics.set(writePhysical, p)
    }
    return p
  }

  const samplerParams = buffer(8, USAGE_UNIFORM | USAGE_COPY_DST)
  const stepParams = buffer(8, USAGE_UNIFORM | USAGE_COPY_DST)
  const usesTable = draw === 'categorical_rejection' || draw === 'gumbel_random'
  const table = usesTable ? buffer(L * E, USAGE_STORAGE | USAGE_COPY_DST) : undefined
  if (table !== undefined) {
    const tables = categoricalTables(weightRows, E)
    gpu.queue.writeBuffer(table, 0, draw === 'categorical_rejection' ? tables.cdf : tables.logWeights)
  }
  // The sampler's failed-row counter (its only use of `counts` when writing ids).
  const failed = buffer(1, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST)
  const ids = buffer(totalRows * k, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST)
  const logicalToPhysical = policy === 'rank_local' ? undefined : buffer(L * E * M, USAGE_STORAGE | USAGE_COPY_DST)
  const replicas = policy === 'rank_local' ? undefined : buffer(L * E, USAGE_STORAGE | USAGE_COPY_DST)
  const slotRank = buffer(L * P, USAGE_STORAGE | USAGE_COPY_DST)
  const dispatch = policy === 'rank_local' ? buffer(L * R * E, USAGE_STORAGE | USAGE_COPY_DST) : undefined
  const stats = buffer(L * S, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST)
  const staging = buffer(L * S + 1, USAGE_MAP_READ | USAGE_COPY_DST)
  let physical: Buffer | undefined
  let idStaging: Buffer | undefined

  const mapped = new Uint8Array(L)
  const replicaSeed = createPrng(o.seed, 'routesim/gpu', 'step', 'replica').nextUint32()
  const { x, y, width } = dispatchFor(totalRows, SAMPLER_WORKGROUP)
  const metricsDispatch = dispatchFor(totalRows, STEP_WORKGROUP)
  const reference = createReferenceBackend()
  let disposed = false
  let lastDraw: DeviceStep['lastDraw']

  const setMap = (layer: number, map: DeviceLayerMap, dispatchTable?: Int32Array): void => {
    assertInteger('layer', layer, { min: 0, max: L - 1 })
    if (map?.numPhysical !== P || !(map.slotRank instanceof Int32Array) || map.slotRank.length !== P) {
      throw new InvalidArgumentError({ parameter: 'map', value: map, allowed: `an expert map of ${P} physical slots` })
    }
    if (map.replicaCount.length !== E || map.maxReplicas > M || map.logicalToPhysical.length !== E * map.maxReplicas) {
      throw new InvalidArgumentError({ parameter: 'map', value: map, allowed: `an expert map of ${E} logical experts with at most ${M} replicas each` })
    }
    gpu.queue.writeBuffer(slotRank, layer * P * 4, map.slotRank)
    if (policy === 'rank_local') {
      if (!(dispatchTable instanceof Int32Array) || dispatchTable.length !== R * E) {
        throw new InvalidArgumentError({
          parameter: 'dispatchTable',
          value: dispatchTable,
          allowed: `an Int32Array [${R}, ${E}] (createRankDispatchTable) for 'rank_local'`,
        })
      }
      gpu.queue.writeBuffer(dispatch!, layer * R * E * 4, dispatchTable)
    } else {
      const padded = new Int32Array(E * M)
      for (let e = 0; e < E; e++) padded.set(map.logicalToPhysical.subarray(e * map.maxReplicas, e * map.maxReplicas + map.replicaCount[e]!), e * M)
      gpu.queue.writeBuffer(logicalToPhysical!, layer * E * M * 4, padded)
      gpu.queue.writeBuffer(replicas!, layer * E * 4, map.replicaCount)
    }
    mapped[layer] = 1
  }

  /** One submit: (the draw,) the metrics, the copies to read; then the statistics and the failed-row count. */
  const submit = async (withDraw: boolean, readIds: boolean) => {
    const metricsPass = metricsPipeline(readIds)
    if (readIds) {
      physical ??= buffer(totalRows * k, USAGE_STORAGE | USAGE_COPY_SRC)
      idStaging ??= buffer(2 * totalRows * k, USAGE_MAP_READ | USAGE_COPY_DST)
    }
    const record = () => {
      const encoder = gpu.createCommandEncoder()
      encoder.clearBuffer(stats, 0, L * S * 4)
      if (withDraw) {
        encoder.clearBuffer(failed, 0, 4)
        const bindGroup = gpu.createBindGroup({
          layout: sampler.getBindGroupLayout(0),
          // 'auto' layouts keep only the bindings the pass uses: the table for weighted draws, the counter for rejection.
          entries: [
            { binding: 0, resource: { buffer: samplerParams } },
            ...(table ? [{ binding: 1, resource: { buffer: table } }] : []),
            ...(draw.endsWith('rejection') ? [{ binding: 2, resource: { buffer: failed } }] : []),
            { binding: 3, resource: { buffer: ids } },
          ],
        })
        const pass = encoder.beginComputePass()
        pass.setPipeline(sampler)
        pass.setBindGroup(0, bindGroup)
        pass.dispatchWorkgroups(x, y)
        pass.end()
      }
      const bindGroup = gpu.createBindGroup({
        layout: metricsPass.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: stepParams } },
          { binding: 1, resource: { buffer: ids } },
          ...(policy === 'rank_local'
            ? [{ binding: 5, resource: { buffer: dispatch! } }]
            : [
                { binding: 2, resource: { buffer: logicalToPhysical! } },
                { binding: 3, resource: { buffer: replicas! } },
              ]),
          { binding: 4, resource: { buffer: slotRank } },
          { binding: 6, resource: { buffer: stats } },
          ...(readIds ? [{ binding: 7, resource: { buffer: physical! } }] : []),
        ],
      })
      const pass = encoder.beginComputePass()
      pass.setPipeline(metricsPass)
      pass.setBindGroup(0, bindGroup)
      pass.dispatchWorkgroups(metricsDispatch.x, metricsDispatch.y)
      pass.end()
      encoder.copyBufferToBuffer(stats, 0, staging, 0, L * S * 4)
      encoder.copyBufferToBuffer(failed, 0, staging, L * S * 4, 4)
      if (readIds) {
        encoder.copyBufferToBuffer(ids, 0, idStaging!, 0, totalRows * k * 4)
        encoder.copyBufferToBuffer(physical!, 0, idStaging!, totalRows * k * 4, totalRows * k * 4)
      }
      gpu.queue.submit([encoder.finish()])
    }
    return checkedSubmit(gpu, record, async () => ({
      words: await readWords(staging, L * S + 1),
      read: readIds ? await readWords(idStaging!, 2 * totalRows * k) : undefined,
    }))
  }

  /** The first `count` words of a staging buffer, copied out of its mapping. */
  const readWords = async (from: Buffer, count: number): Promise<Int32Array> => {
    const words = new Int32Array(count)
    await from.mapAsync(MAP_MODE_READ, 0, words.byteLength)
    try {
      words.set(new Int32Array(from.getMappedRange(0, words.byteLength)))
    } finally {
      from.unmap()
    }
    return words
  }

  const run = async (step: number, runOptions?: { readonly readIds?: boolean }): Promise<DeviceStepStats> => {
    if (disposed) throw new BackendUnavailableError({ mode: 'webgpu', reason: 'this device step has been disposed' })
    if (!(Number.isInteger(step) && step >= 0 && step < 2 ** 32))
      throw new InvalidArgumentError({ parameter: 'step', value: step, allowed: 'an integer in [0, 2^32)' })
    const missing = mapped.indexOf(0)
    if (missing !== -1) throw new InvalidArgumentError({ parameter: `map of layer ${missing}`, value: undefined, allowed: 'setMap for every layer before run' })
    const readIds = runOptions?.readIds === true
    // The draws' PCG stream is seeded per step from core's PRNG, so a step's ids do not depend on earlier steps.
    const drawSeed = createPrng(o.seed, 'routesim/gpu', 'step', step).nextUint32()
    gpu.queue.writeBuffer(samplerParams, 0, new Uint32Array([totalRows, T, width, drawSeed, 0, 0, 0, 0]))
    const base = Math.floor(T / R)
    gpu.queue.writeBuffer(stepParams, 0, new Uint32Array([totalRows, T, metricsDispatch.width, replicaSeed, step, R / N, base, T - base * R]))
    let out = await submit(true, readIds)
    lastDraw = 'device'
    if (out.words[L * S] !== 0) {
      // A rejection slot missed all its attempts (≤ 2^-64 per slot): draw this step's ids on the host, measure them here.
      const hostIds = new Int32Array(totalRows * k)
      for (let l = 0; l < L; l++) {
        const seed = createPrng(o.seed, 'routesim/gpu', 'step-fallback', step, l).nextUint32()
        const d = o.draws[l]!
        hostIds.set(reference.sampleIds({ kind: d.kind, rows: T, numExperts: E, k, weights: d.weights, seed }), l * T * k)
      }
      gpu.queue.writeBuffer(ids, 0, hostIds)
      out = await submit(false, readIds)
      lastDraw = 'host'
    }
    return unpack(out.words, out.read)
  }

  const rankNode = Int32Array.from({ length: R }, (_, r) => Math.floor(r / (R / N)))
  const unpack = (words: Int32Array, read: Int32Array | undefined): DeviceStepStats => {
    const counts = new Int32Array(L * E)
    const rankSlotLoads = new Int32Array(L * R)
    const traffic = new Int32Array(L * R * R)
    const perLayer = () => new Int32Array(L)
    const [copiesLeavingRank, copiesLeavingNode, tokensLeavingRank, tokensLeavingNode, duplicateTokens] = [
      perLayer(),
      perLayer(),
      perLayer(),
      perLayer(),
      perLayer(),
    ]
    for (let l = 0; l < L; l++) {
      const s = l * S
      counts.set(words.subarray(s, s + E), l * E)
      rankSlotLoads.set(words.subarray(s + E, s + E + R), l * R)
      const layerTraffic = words.subarray(s + E + R, s + E + R + R * R)
      traffic.set(layerTraffic, l * R * R)
      // Copies leaving a rank or node are sums over the traffic matrix, as dispatchStats takes them.
      for (let src = 0; src < R; src++) {
        for (let dst = 0; dst < R; dst++) {
          const c = layerTraffic[src * R + dst]!
          if (src !== dst) copiesLeavingRank[l]! += c
          if (rankNode[src] !== rankNode[dst]) copiesLeavingNode[l]! += c
        }
      }
      const tail = s + E + R + R * R
      tokensLeavingRank[l] = words[tail]!
      tokensLeavingNode[l] = words[tail + 1]!
      duplicateTokens[l] = words[tail + 2]!
    }
    const slots = totalRows * k
    return {
      counts,
      rankSlotLoads,
      traffic,
      copiesLeavingRank,
      copiesLeavingNode,
      tokensLeavingRank,
      tokensLeavingNode,
      duplicateTokens,
      ...(read ? { ids: read.slice(0, slots), physicalIds: read.slice(slots) } : {}),
    }
  }

  return {
    setMap,
    run,
    get lastDraw() {
      return lastDraw
    },
    dispose() {
      if (disposed) return
      disposed = true
      for (const b of buffers) b.destroy()
    },
  }
}
