import {
  InvalidArgumentError,
  allocateInt32,
  outputArrays,
  UnsupportedDistributionError,
  assertFiniteNumber,
  assertOneOf,
  assertRoutingInputs,
  createPrng,
  resolveIndexDtype,
  toIndexArray,
} from '@routesim/core'
import type { DeviceDraw, IndexDtype, Prng, RoutingContext, RoutingResult, RoutingStrategy, Seed, ShapedInput, Tensor } from '@routesim/core'
import {
  sampleDistinctSubsets,
  sampleNormalRowWeights,
  sampleSigmoidNormalBins,
  sampleSigmoidNormalBinsDistinct,
  sampleUniformInts,
} from '@routesim/distributions'
import { SAMPLE_CHUNK_ROWS, hasState, sampleRowsChunk } from './sample-rows.ts'
import type { SampleKind, SampleRowsArgs } from './sample-rows.ts'

export const SUPPORTED_DISTRIBUTIONS = ['uniform', 'normal'] as const
export type Distribution = (typeof SUPPORTED_DISTRIBUTIONS)[number]

/** Uniform weights: the seed's all-ones (row sum k) or 1/k (row sum 1, as SGLang and TRT-LLM). */
export type UniformWeights = 'ones' | 'mean'

export interface DistributionParameters {
  /** Seed of the strategy's own stream (used when no `context.prng` is lent). Default 0. */
  readonly seed?: Seed
  /** normal: mean of z (default 0). Accepted and ignored by uniform, as in the seed. */
  readonly mean?: number
  /** normal: standard deviation of z, > 0 (default 1). Accepted and ignored by uniform, as in the seed. */
  readonly std?: number
  /** uniform: i.i.d. ids with duplicates, the seed's `randint` (default false: k distinct experts). */
  readonly replacement?: boolean
  /** uniform: 'ones' (the seed, default) or 'mean' (1/k). */
  readonly weights?: UniformWeights
  /** normal: draw k distinct experts from the same per-expert probabilities (default false, as the seed). */
  readonly distinct?: boolean
}

export interface DistributionInfo {
  readonly distribution: Distribution
  readonly parameters: Record<string, unknown>
}

/** Largest [T, k] output: typed-array lengths beyond 2^31 − 1 are not portable across engines. */
const MAX_SLOTS = 2 ** 31 - 1

const KNOWN_PARAMETERS: Record<Distribution, readonly (keyof DistributionParameters)[]> = {
  uniform: ['seed', 'mean', 'std', 'replacement', 'weights'],
  normal: ['seed', 'mean', 'std', 'distinct'],
}

function assertBoolean(parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError({ parameter, value, allowed: 'true or false' })
  return value
}

/** Marks a construction from parameters the built-in definitions already resolved (see the constructor). */
export const RESOLVED: unique symbol = Symbol('resolved distribution parameters')

/**
 * The seed's `DistributionBasedRouting`: ids and weights drawn from a distribution; logit values and
 * hidden states are never read, only their shapes.
 * - `uniform`: k DISTINCT experts per token, every k-subset equally likely in random order (vLLM's
 *   later `topk(rand)` fix); `replacement: true` restores the seed's i.i.d. `randint` draws.
 *   Weights all ones (seed) or `weights: 'mean'` → 1/k.
 * - `normal`: exactly the seed's formula: ids = clamp(floor(sigmoid(z)·E), 0, E−1), z ~ N(mean, std²),
 *   duplicates allowed; weights = |z'|/Σ|z'| from an independent draw. `distinct: true` draws
 *   without replacement from the same per-expert probabilities.
 * Draws come from `context.prng` when lent (the simulator's stream), else from the strategy's own
 * seeded stream; successive calls continue the stream.
 */
export class DistributionBasedRouting implements RoutingStrategy {
  readonly distribution: Distribution
  private readonly parameters: Record<string, unknown>
  private readonly prng: Prng
  private readonly mean: number
  private readonly std: number
  private readonly distinct: boolean
  private readonly uniformWeights: UniformWeights

  /**
   * `resolved` is passed only by the built-in definitions (not exported from the package): their
   * parameters were validated once by the registry's schema check, so they are not checked again here.
   */
  constructor(distribution: string = 'uniform', parameters: DistributionParameters = {}, resolved?: typeof RESOLVED) {
    if (resolved === RESOLVED) {
      const p = parameters
      this.distribution = distribution as Distribution
      this.mean = p.mean ?? 0
      this.std = p.std ?? 1
      this.distinct = this.distribution === 'uniform' ? p.replacement !== true : p.distinct === true
      this.uniformWeights = p.weights ?? 'ones'
      this.prng = createPrng(p.seed ?? 0, 'distribution_based_routing', this.distribution)
      this.parameters = Object.fromEntries(Object.entries(parameters).filter(([, v]) => v !== undefined))
      return
    }
    const name = typeof distribution === 'string' ? distribution.toLowerCase() : String(distribution)
    if (!(SUPPORTED_DISTRIBUTIONS as readonly string[]).includes(name)) {
      throw new UnsupportedDistributionError({ distribution: name, supportedDistributions: SUPPORTED_DISTRIBUTIONS })
    }
    this.distribution = name as Distribution
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      throw new InvalidArgumentError({ parameter: 'parameters', value: parameters, allowed: 'an object of distribution parameters' })
    }
    const known = KNOWN_PARAMETERS[this.distribution]
    const given: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(parameters)) {
      if (value === undefined) continue
      if (!(known as readonly string[]).includes(key)) {
        throw new InvalidArgumentError({
          parameter: `${this.distribution}.${key}`,
          value,
          allowed: `one of the parameters [${known.join(', ')}]`,
          message: `Unknown parameter '${key}' for the ${this.distribution} distribution. Known parameters: [${known.join(', ')}].`,
        })
      }
      given[key] = value
    }
    // The seed sets these defaults for normal only; they are validated whenever given.
    if (this.distribution === 'normal') {
      given.mean ??= 0
      given.std ??= 1
    }
    this.mean = given.mean === undefined ? 0 : assertFiniteNumber('mean', given.mean)
    this.std = given.std === undefined ? 1 : assertFiniteNumber('std', given.std, { min: 0, exclusiveMin: true })
    const replacement = given.replacement === undefined ? false : assertBoolean('replacement', given.replacement)
    const distinctNormal = given.distinct === undefined ? false : assertBoolean('distinct', given.distinct)
    this.distinct = this.distribution === 'uniform' ? !replacement : distinctNormal
    this.uniformWeights = given.weights === undefined ? 'ones' : assertOneOf('weights', given.weights, ['ones', 'mean'])
    this.prng = createPrng((given.seed as Seed | undefined) ?? 0, 'distribution_based_routing', this.distribution)
    this.parameters = given
  }

  /** `{ distribution, parameters }` as given (normal's mean/std defaults filled in); a copy. */
  getDistributionInfo(): DistributionInfo {
    return { distribution: this.distribution, parameters: { ...this.parameters } }
  }

  /** A device can draw `uniform` (i.i.d. or k distinct); `normal` bins are not a device sampling kind. */
  deviceDraw(): DeviceDraw | undefined {
    if (this.distribution !== 'uniform') return undefined
    return { kind: this.distinct ? 'uniform_distinct' : 'uniform_iid' }
  }

  routeTokens(hiddenStates: ShapedInput, routerLogits: Tensor | ShapedInput, topK: number, indicesType?: IndexDtype, context?: RoutingContext): RoutingResult {
    const dtype = resolveIndexDtype(indicesType)
    const { numTokens, numExperts, topK: k } = assertRoutingInputs(hiddenStates, routerLogits, topK, { distinct: this.distinct })
    if (numTokens * k > MAX_SLOTS) {
      throw new InvalidArgumentError({
        parameter: 'numTokens × topK',
        value: numTokens * k,
        allowed: `at most ${MAX_SLOTS} slots (one typed array holds the [T, k] ids)`,
      })
    }
    const prng = readContextPrng(context) ?? this.prng
    if (numTokens > SAMPLE_CHUNK_ROWS && hasState(prng)) return this.routeInChunks(prng, numTokens, numExperts, k, dtype, context)
    const { ids, weights } = outputArrays(context?.output, numTokens * k, false)
    if (this.distribution === 'uniform') {
      if (this.distinct) sampleDistinctSubsets(ids, numTokens, numExperts, k, prng)
      else sampleUniformInts(ids, numExperts, prng)
      weights.fill(this.uniformWeights === 'mean' ? 1 / k : 1)
    } else {
      if (this.distinct) sampleSigmoidNormalBinsDistinct(ids, numTokens, numExperts, k, this.mean, this.std, prng)
      else sampleSigmoidNormalBins(ids, numExperts, this.mean, this.std, prng)
      sampleNormalRowWeights(weights, numTokens, k, this.mean, this.std, prng)
    }
    return [
      { data: weights, shape: [numTokens, k] },
      { data: toIndexArray(ids, dtype), shape: [numTokens, k] },
    ]
  }

  /**
   * Above SAMPLE_CHUNK_ROWS rows: fixed row chunks, each from its own stream (chunk 0 continues the caller's),
   * run on the lent runner's threads when it has them — the same bytes for any thread count.
   */
  private routeInChunks(prng: Prng, rows: number, numExperts: number, k: number, dtype: IndexDtype, context: RoutingContext | undefined): RoutingResult {
    const runner = context?.runner
    const shared = runner?.parallel === true
    const out = outputArrays(context?.output, rows * k, shared)
    const kind: SampleKind =
      this.distribution === 'uniform' ? (this.distinct ? 'uniform_distinct' : 'uniform_iid') : this.distinct ? 'normal_distinct' : 'normal'
    const args: SampleRowsArgs = {
      kind,
      rows,
      k,
      numExperts,
      mean: this.mean,
      std: this.std,
      fill: this.uniformWeights === 'mean' ? 1 / k : 1,
      start: prng.getState(),
      end: allocateInt32(4, shared),
      ids: out.ids,
      weights: out.weights,
    }
    const job = { task: 'sample_rows', args, chunks: Math.ceil(rows / SAMPLE_CHUNK_ROWS), runChunk: sampleRowsChunk }
    if (runner) runner.run(job)
    else for (let c = 0; c < job.chunks; c++) sampleRowsChunk(args, c)
    prng.setState({ algorithm: 'xoshiro128**', state: [args.end[0]! >>> 0, args.end[1]! >>> 0, args.end[2]! >>> 0, args.end[3]! >>> 0] })
    return [
      { data: args.weights, shape: [rows, k] },
      { data: toIndexArray(args.ids, dtype), shape: [rows, k] },
    ]
  }
}

function readContextPrng(context: RoutingContext | undefined): Prng | undefined {
  if (context === undefined || context === null) return undefined
  if (typeof context !== 'object') throw new InvalidArgumentError({ parameter: 'context', value: context, allowed: 'an object { prng?, layer? }' })
  const prng = context.prng
  if (prng === undefined) return undefined
  if (typeof prng !== 'object' || prng === null || typeof prng.fillUint32 !== 'function' || typeof prng.nextUint32 !== 'function') {
    throw new InvalidArgumentError({ parameter: 'context.prng', value: prng, allowed: "a Prng from @routesim/core's createPrng" })
  }
  return prng
}
