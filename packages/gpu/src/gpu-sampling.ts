import { createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { SamplingKind, validateSampleIdsOptions } from '@routesim/core'
import { cellCount, packingFor, samplerSource, unpackIds } from './kernel-source.ts'
import type { SamplerDraw } from './kernel-source.ts'
import type { KernelRunner } from './kernel-runner.ts'
import type { GpuRunMode } from './modes.ts'
import { KERNEL_MAX_EXPERTS, KERNEL_MAX_TOPK, REJECTION_MAX_MASS, REJECTION_MAX_TRIES } from './thresholds.ts'

/** A `sampleIds` call as core's validation resolves it. */
export type ResolvedSampleIdsLike = ReturnType<typeof validateSampleIdsOptions>

/** Modes whose `Math.random` is gpu.js's seeded PCG stream; the others get their noise from the host. */
export function hasSeededRandom(mode: GpuRunMode): boolean {
  return mode === 'webasm' || mode === 'webgpu'
}

/** Share of the total weight held by the `count` heaviest experts (uniform when `weights` is absent). */
export function headMass(weights: Float64Array | undefined, numExperts: number, count: number): number {
  if (count <= 0) return 0
  if (weights === undefined) return count / numExperts
  // The `count` largest by insertion into a short descending list: O(E·count) for small counts, no sort
  // (the resident path asks this for every layer of a call).
  const top = new Float64Array(Math.min(count, weights.length)).fill(-Infinity)
  const last = top.length - 1
  let total = 0
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!
    total += w
    if (!(w > top[last]!)) continue
    let j = last
    while (j > 0 && top[j - 1]! < w) {
      top[j] = top[j - 1]!
      j--
    }
    top[j] = w
  }
  let head = 0
  for (let i = 0; i <= last; i++) head += top[i]!
  return head / total
}

/** How a sampling call runs: a kernel draw, or the reference backend (with the reason). */
export function chooseSamplerDraw(o: ResolvedSampleIdsLike, mode: GpuRunMode): { draw: SamplerDraw } | { reference: string } {
  if (o.numExperts > KERNEL_MAX_EXPERTS) return { reference: `E = ${o.numExperts} > KERNEL_MAX_EXPERTS` }
  const seeded = hasSeededRandom(mode)
  if (o.kind === 'uniform_iid') {
    return seeded ? { draw: 'uniform_iid' } : { reference: `'${mode}' has no seeded Math.random; host i.i.d. draws are the sample itself` }
  }
  if (o.k > KERNEL_MAX_TOPK) return { reference: `k = ${o.k} > KERNEL_MAX_TOPK` }
  if (!seeded) return { draw: 'gumbel_host_noise' }
  // Random kernels need all k ids in one thread (one PCG stream per token).
  if (o.k > packingFor(o.numExperts).perCell) return { draw: 'gumbel_host_noise' }
  if (headMass(o.weights, o.numExperts, o.k - 1) <= REJECTION_MAX_MASS) {
    return { draw: o.kind === 'uniform_distinct' ? 'uniform_rejection' : 'categorical_rejection' }
  }
  return { draw: 'gumbel_random' }
}

/**
 * The one draw of a resident call over all its layers (`uniform_distinct` layers draw as uniform weight rows):
 * rejection of repeats only when every layer's k − 1 heaviest experts are light enough, else Gumbel-top-k.
 */
export function residentDraw(
  kind: SamplingKind,
  weightRows: readonly (Float64Array | undefined)[],
  numExperts: number,
  k: number,
): 'uniform_iid' | 'uniform_rejection' | 'categorical_rejection' | 'gumbel_random' {
  if (kind === 'uniform_iid') return 'uniform_iid'
  const heavy = weightRows.some((w) => headMass(w, numExperts, k - 1) > REJECTION_MAX_MASS)
  return heavy ? 'gumbel_random' : kind === 'uniform_distinct' ? 'uniform_rejection' : 'categorical_rejection'
}

/** Per-layer inputs of the categorical kernels: `[layers, E]` CDF and log-weights (f32). */
export function categoricalTables(weightRows: readonly (Float64Array | undefined)[], numExperts: number): { cdf: Float32Array; logWeights: Float32Array } {
  const layers = weightRows.length
  const cdf = new Float32Array(layers * numExperts)
  const logWeights = new Float32Array(layers * numExperts)
  for (let l = 0; l < layers; l++) {
    const w = weightRows[l]
    const base = l * numExperts
    if (w === undefined) {
      for (let j = 0; j < numExperts; j++) cdf[base + j] = (j + 1) / numExperts
      cdf[base + numExperts - 1] = 2
      continue
    }
    let total = 0
    let lastPositive = 0
    for (let j = 0; j < numExperts; j++) {
      total += w[j]!
      if (w[j]! > 0) lastPositive = j
    }
    let acc = 0
    for (let j = 0; j < numExperts; j++) {
      acc += w[j]!
      // From the last positive expert on, the CDF sits above every u < 1, so the search always ends there.
      cdf[base + j] = j >= lastPositive ? 2 : acc / total
      logWeights[base + j] = w[j]! > 0 ? Math.log(w[j]! / total) : -1e30
    }
  }
  return { cdf, logWeights }
}

/** Uniforms in (0, 1) from core's PRNG, for backends without a seeded stream. */
function hostNoise(seed: number, kind: string, chunk: number, length: number): Float32Array {
  const prng = createPrng(seed, 'routesim/gpu', kind, 'noise', chunk)
  const words = new Uint32Array(length)
  prng.fillUint32(words)
  const noise = new Float32Array(length)
  for (let i = 0; i < length; i++) noise[i] = (words[i]! + 0.5) * 2.3283064365386963e-10
  return noise
}

export interface GpuSamplingPlan {
  readonly runner: KernelRunner
  readonly mode: GpuRunMode
  /** Rows per kernel call (before the host-noise size limit). */
  readonly chunkRows: number
  /** Largest kernel argument in bytes (the host noise `[rows, E]` is one). */
  readonly argumentLimit: number
}

/** Seeded sampling of expert ids in gpu.js kernels (see `chooseSamplerDraw` for which draw runs). */
export async function gpuSampleIds(o: ResolvedSampleIdsLike, draw: SamplerDraw, plan: GpuSamplingPlan): Promise<Int32Array> {
  const { numExperts: E, seed } = o
  // i.i.d. slots are exchangeable: draw rows·k ids as whole cells and keep the first rows·k.
  const iid = draw === 'uniform_iid'
  const packing = packingFor(E)
  const k = iid ? packing.perCell : o.k
  const rows = iid ? Math.ceil((o.rows * o.k) / k) : o.rows
  const out = new Int32Array(rows * k)
  const generated = samplerSource({ draw, numExperts: E, k, layers: 1, maxTries: REJECTION_MAX_TRIES })
  const tables = draw === 'categorical_rejection' || draw.startsWith('gumbel') ? categoricalTables([o.weights], E) : undefined
  const chunkRows = draw === 'gumbel_host_noise' ? Math.max(1, Math.min(plan.chunkRows, Math.floor(plan.argumentLimit / (4 * E)))) : plan.chunkRows
  const reference = createReferenceBackend()

  for (let start = 0, chunk = 0; start < rows; start += chunkRows, chunk++) {
    const n = Math.min(chunkRows, rows - start)
    const args: unknown[] = []
    if (draw === 'categorical_rejection') args.push(plan.runner.input(tables!.cdf, [E, 1]))
    if (draw === 'gumbel_random' || draw === 'gumbel_host_noise') args.push(plan.runner.input(tables!.logWeights, [E, 1]))
    if (draw === 'gumbel_host_noise') args.push(plan.runner.input(hostNoise(seed, o.kind, chunk, n * E), [E, n]))
    const randomSeed = draw === 'gumbel_host_noise' ? undefined : createPrng(seed, 'routesim/gpu', o.kind, chunk).nextUint32()
    const flat = await plan.runner.run(
      {
        key: `sample:${draw}:${E}:${k}:${n}`,
        source: generated.source,
        cells: cellCount(n, generated.groups),
        constants: { E, N: n, N_LAYER: n },
      },
      args,
      randomSeed,
    )
    const failed = unpackIds(flat, n, k, generated.groups, generated.idGroups, packing, out, start)
    if (failed.length > 0) {
      // Every attempt of a rejection slot hit a repeat (probability ≤ 2^-64 per slot by REJECTION_MAX_MASS):
      // redraw those rows exactly on the host, from a stream derived from this call's seed.
      const redraw = reference.sampleIds({
        kind: o.kind,
        rows: failed.length,
        numExperts: E,
        k,
        weights: o.weights,
        seed: createPrng(seed, 'routesim/gpu', 'redraw', chunk).nextUint32(),
      })
      failed.forEach((t, i) => out.set(redraw.subarray(i * k, (i + 1) * k), (start + t) * k))
    }
  }
  return iid ? out.slice(0, o.rows * o.k) : out
}
