import { InvalidArgumentError } from '@routesim/core'
import type { NdArray } from './nd-array.ts'
import { TraceFormatError } from './trace-format-error.ts'

/** Routing as recorded: the ids (and weights) of every token, layer and step. */
export interface IdsTrace {
  readonly kind: 'ids'
  readonly steps: number
  readonly layers: number
  readonly tokens: number
  readonly topK: number
  readonly numExperts: number
  /** `[steps, layers, tokens, topK]`, row-major. */
  readonly ids: Int32Array
  /** `[steps, layers, tokens, topK]`, when the file had weights. */
  readonly weights?: Float32Array
  /** What the reader assumed where the file left it open (empty when nothing was assumed). */
  readonly assumptions: readonly string[]
  /** The model's layer index of each trace layer, when the file skipped some (SGLang dumps drop dense layers). */
  readonly layerIds?: readonly number[]
}

/** Per-expert counts only (SGLang's expert-distribution recorder, CSV tables). */
export interface CountsTrace {
  readonly kind: 'counts'
  readonly steps: number
  readonly layers: number
  readonly numExperts: number
  /** `[steps, layers, experts]`, row-major. */
  readonly counts: Float64Array
  readonly assumptions: readonly string[]
  readonly layerIds?: readonly number[]
}

export type Trace = IdsTrace | CountsTrace

/** Hints for files whose shape alone is ambiguous. */
export interface TraceHints {
  /** Number of experts (ids traces: default max id + 1). */
  readonly experts?: number
  /** Whether an unnamed array holds ids or counts (default: guessed from dtype and shape, and said so). */
  readonly layout?: 'ids' | 'counts'
  /**
   * How a 3-D ids array is laid out: `layers-tokens` (`[layers, tokens, k]`, routesim's and SGLang's) or
   * `tokens-layers` (`[tokens, layers, k]`, vLLM's `routed_experts`). Default: by the array's name
   * (`routed_experts` is vLLM's), else `layers-tokens`, and said so.
   */
  readonly order?: 'layers-tokens' | 'tokens-layers'
}

export const TRACE_ORDERS = ['layers-tokens', 'tokens-layers'] as const

const ID_NAMES = ['topk_ids', 'topk_idx', 'topk_indices', 'expert_ids', 'routed_experts', 'ids']
/** Arrays named like vLLM's per-request capture are `[tokens, layers, k]`. */
const TOKENS_LAYERS_NAMES = new Set(['routed_experts'])
const WEIGHT_NAMES = ['topk_weights', 'topk_weight', 'weights']
const COUNT_NAMES = ['logical_count', 'counts', 'expert_counts', 'physical_count', 'global_physical_count', 'count']
/** Beyond this, a last dimension is read as experts rather than top-k (no router picks 65 experts per token). */
const MAX_GUESSED_TOP_K = 64

function isInteger(a: NdArray): boolean {
  return a.dtype !== 'float32' && a.dtype !== 'float64' && a.dtype !== 'bool'
}

function asNumbers(a: NdArray): ArrayLike<number> {
  if (a.data instanceof BigInt64Array) {
    const out = new Float64Array(a.data.length)
    for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]!)
    return out
  }
  return a.data as ArrayLike<number>
}

/**
 * Validates the sizes of a trace a caller builds, and returns it.
 *
 * @example
 * const trace = idsTrace({ ids: Int32Array.from([0, 1, 0, 2]), tokens: 2, topK: 2, numExperts: 4 })
 */
export function idsTrace(options: {
  ids: Int32Array
  weights?: Float32Array | undefined
  steps?: number
  layers?: number
  tokens: number
  topK: number
  numExperts: number
  assumptions?: readonly string[]
  layerIds?: readonly number[] | undefined
}): IdsTrace {
  return checkedIdsTrace(options, true)
}

/** `idsTrace`, with the per-id range check left to callers that already made it (the file readers). */
function checkedIdsTrace(options: Parameters<typeof idsTrace>[0], checkIds: boolean): IdsTrace {
  const steps = options.steps ?? 1
  const layers = options.layers ?? 1
  const expected = steps * layers * options.tokens * options.topK
  if (options.ids.length !== expected) {
    throw new InvalidArgumentError({ parameter: 'ids.length', value: options.ids.length, allowed: `steps·layers·tokens·topK = ${expected}` })
  }
  if (options.weights && options.weights.length !== expected) {
    throw new InvalidArgumentError({ parameter: 'weights.length', value: options.weights.length, allowed: `the ids' length ${expected}` })
  }
  if (!Number.isInteger(options.numExperts) || options.numExperts < 1) {
    throw new InvalidArgumentError({ parameter: 'numExperts', value: options.numExperts, allowed: 'an integer ≥ 1' })
  }
  for (let i = 0; checkIds && i < options.ids.length; i++) {
    const id = options.ids[i]!
    if (id < 0 || id >= options.numExperts) {
      throw new InvalidArgumentError({ parameter: `ids[${i}]`, value: id, allowed: `an expert id in [0, ${options.numExperts})` })
    }
  }
  return {
    kind: 'ids',
    steps,
    layers,
    tokens: options.tokens,
    topK: options.topK,
    numExperts: options.numExperts,
    ids: options.ids,
    ...(options.weights ? { weights: options.weights } : {}),
    assumptions: options.assumptions ?? [],
    ...(options.layerIds ? { layerIds: options.layerIds } : {}),
  }
}

/** `[tokens, layers, k]` → `[layers, tokens, k]`. */
function tokensLayersToLayersTokens(source: ArrayLike<number>, tokens: number, layers: number, k: number): Float64Array {
  const out = new Float64Array(source.length)
  for (let t = 0; t < tokens; t++) {
    for (let l = 0; l < layers; l++) {
      const from = (t * layers + l) * k
      const to = (l * tokens + t) * k
      for (let j = 0; j < k; j++) out[to + j] = source[from + j]!
    }
  }
  return out
}

function fromIds(file: string, ids: NdArray, weights: NdArray | undefined, hints: TraceHints, assumptions: string[], name = ''): IdsTrace {
  if (!isInteger(ids)) throw new TraceFormatError({ file, part: 'ids', problem: `dtype ${ids.dtype} is not an integer type` })
  const shape = ids.shape
  if (shape.length < 2 || shape.length > 4) {
    throw new TraceFormatError({
      file,
      part: 'ids',
      problem: `shape [${shape.join(', ')}]: expected [tokens, k], [layers, tokens, k] or [steps, layers, tokens, k]`,
    })
  }
  let source = asNumbers(ids)
  let [tokens, topK] = shape.slice(-2) as [number, number]
  let layers = shape.length >= 3 ? shape[shape.length - 3]! : 1
  const steps = shape.length === 4 ? shape[0]! : 1
  if (shape.length === 3) {
    const order = hints.order ?? (TOKENS_LAYERS_NAMES.has(name) ? 'tokens-layers' : 'layers-tokens')
    if (order === 'tokens-layers') {
      ;[tokens, layers] = [shape[0]!, shape[1]!]
      source = tokensLayersToLayersTokens(source, tokens, layers, topK)
      weights =
        weights && weights.shape.join() === shape.join()
          ? { dtype: 'float64', shape: [layers, tokens, topK], data: tokensLayersToLayersTokens(asNumbers(weights), tokens, layers, topK) }
          : weights
    }
    if (hints.order === undefined) {
      assumptions.push(
        order === 'tokens-layers'
          ? `read ${name} [${shape.join(', ')}] as vLLM's [tokens, layers, k] (pass order 'layers-tokens' if it is not)`
          : `read ids [${shape.join(', ')}] as [layers, tokens, k] (pass order 'tokens-layers' for vLLM's [tokens, layers, k])`,
      )
    }
  }
  let out: Int32Array
  let maxId = -1
  if (source instanceof Int32Array) {
    // int32 ids (what routesim and vLLM write) are used in place: one scan, no copy.
    let minId = 0
    for (let i = 0; i < source.length; i++) {
      const id = source[i]!
      if (id > maxId) maxId = id
      if (id < minId) minId = id
    }
    if (minId < 0) {
      const at = source.findIndex((id) => id < 0)
      throw new TraceFormatError({ file, part: 'ids', problem: `id ${source[at]} at flat index ${at} is negative or too large` })
    }
    out = source
  } else {
    out = new Int32Array(source.length)
    for (let i = 0; i < source.length; i++) {
      const id = source[i]!
      if (!(id >= 0 && id <= 2 ** 31 - 1)) throw new TraceFormatError({ file, part: 'ids', problem: `id ${id} at flat index ${i} is negative or too large` })
      out[i] = id
      if (id > maxId) maxId = id
    }
  }
  if (layers > 1 && topK > 1) {
    // vLLM's capture leaves dense (non-MoE) layers at zero: every slot naming expert 0 is no routing at all.
    const block = tokens * topK
    const zero: number[] = []
    for (let l = 0; l < layers; l++) {
      let all = block > 0
      for (let s = 0; s < steps && all; s++) {
        const base = (s * layers + l) * block
        for (let i = base; i < base + block; i++)
          if (out[i] !== 0) {
            all = false
            break
          }
      }
      if (all) zero.push(l)
    }
    if (zero.length > 0) assumptions.push(`layer${zero.length > 1 ? 's' : ''} ${zero.join(', ')}: every slot names expert 0 (a dense layer in vLLM's capture?)`)
  }
  let numExperts = hints.experts
  if (numExperts === undefined) {
    numExperts = Math.max(1, maxId + 1)
    assumptions.push(`experts = ${numExperts} (the largest id + 1; pass experts to set it)`)
  } else if (maxId >= numExperts) {
    throw new TraceFormatError({ file, part: 'ids', problem: `id ${maxId} is not below experts = ${numExperts}` })
  }
  let w: Float32Array | undefined
  if (weights) {
    if (weights.data.length !== source.length || weights.shape.length !== shape.length) {
      throw new TraceFormatError({ file, part: 'weights', problem: `shape [${weights.shape.join(', ')}] differs from the ids' [${shape.join(', ')}]` })
    }
    w = weights.data instanceof Float32Array ? weights.data : Float32Array.from(asNumbers(weights))
  }
  // Every id was checked above to be in [0, maxId] with maxId < numExperts.
  return checkedIdsTrace({ ids: out, weights: w, steps, layers, tokens, topK, numExperts, assumptions }, false)
}

function fromCounts(file: string, counts: NdArray, hints: TraceHints, assumptions: string[]): CountsTrace {
  const shape = counts.shape
  if (shape.length < 1 || shape.length > 3) {
    throw new TraceFormatError({
      file,
      part: 'counts',
      problem: `shape [${shape.join(', ')}]: expected [experts], [layers, experts] or [steps, layers, experts]`,
    })
  }
  const numExperts = shape[shape.length - 1]!
  if (hints.experts !== undefined && hints.experts !== numExperts) {
    throw new TraceFormatError({ file, part: 'counts', problem: `last dimension ${numExperts} differs from experts = ${hints.experts}` })
  }
  const layers = shape.length >= 2 ? shape[shape.length - 2]! : 1
  const steps = shape.length === 3 ? shape[0]! : 1
  const source = asNumbers(counts)
  const out = new Float64Array(source.length)
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (!(c >= 0 && Number.isFinite(c)))
      throw new TraceFormatError({ file, part: 'counts', problem: `count ${c} at flat index ${i} is negative or not finite` })
    out[i] = c
  }
  return { kind: 'counts', steps, layers, numExperts, counts: out, assumptions }
}

function pick(arrays: Readonly<Record<string, NdArray>>, names: readonly string[]): [string, NdArray] | undefined {
  for (const name of names) if (arrays[name]) return [name, arrays[name]]
  return undefined
}

/**
 * Turns the arrays of a file into a trace: named arrays (`topk_ids`/`topk_weights`, SGLang's
 * `logical_count`, `counts`) are taken by name; a single unnamed array is ids or counts by the
 * `layout` hint, else by its dtype and shape, and the trace's `assumptions` say what was guessed.
 *
 * @example
 * traceFromArrays({ routed_experts: ndarray(ids, [tokens, layers, k]) }, { experts: 128 }) // vLLM's layout, read as [layers, tokens, k]
 */
export function traceFromArrays(arrays: Readonly<Record<string, NdArray>>, hints: TraceHints = {}, file = 'trace'): Trace {
  const assumptions: string[] = []
  const ids = pick(arrays, ID_NAMES)
  const counts = pick(arrays, COUNT_NAMES)
  if (hints.layout !== 'counts' && ids) return fromIds(file, ids[1], pick(arrays, WEIGHT_NAMES)?.[1], hints, assumptions, ids[0])
  if (hints.layout !== 'ids' && counts) return fromCounts(file, counts[1], hints, assumptions)
  const names = Object.keys(arrays)
  if (names.length !== 1) {
    throw new TraceFormatError({
      file,
      part: 'arrays',
      problem: `found [${names.join(', ')}]; expected ${ID_NAMES[0]} (and ${WEIGHT_NAMES[0]}), ${COUNT_NAMES[0]}/counts, or a single array`,
    })
  }
  const only = arrays[names[0]!]!
  const label = names[0] === '' ? 'the array' : `array ${JSON.stringify(names[0])}`
  if (hints.layout === 'ids') return fromIds(file, only, undefined, hints, assumptions, names[0])
  if (hints.layout === 'counts') return fromCounts(file, only, hints, assumptions)
  const last = only.shape[only.shape.length - 1] ?? 0
  if (isInteger(only) && only.shape.length >= 2 && last <= MAX_GUESSED_TOP_K && (hints.experts === undefined || last !== hints.experts)) {
    assumptions.push(`${label} [${only.shape.join(', ')}] read as top-k ids (pass layout 'counts' if it holds counts)`)
    return fromIds(file, only, undefined, hints, assumptions, names[0])
  }
  assumptions.push(`${label} [${only.shape.join(', ')}] read as per-expert counts (pass layout 'ids' if it holds ids)`)
  return fromCounts(file, only, hints, assumptions)
}

/**
 * Per-expert counts of every (step, layer): `[steps, layers, experts]`.
 *
 * @example
 * traceCounts(idsTrace({ ids: Int32Array.from([0, 1, 0, 2]), tokens: 2, topK: 2, numExperts: 4 })) // Float64Array [2, 1, 1, 0]
 */
export function traceCounts(trace: Trace): Float64Array {
  if (trace.kind === 'counts') return trace.counts
  const { steps, layers, tokens, topK, numExperts, ids } = trace
  const out = new Float64Array(steps * layers * numExperts)
  const block = tokens * topK
  for (let b = 0; b < steps * layers; b++) {
    const base = b * numExperts
    for (let i = b * block; i < (b + 1) * block; i++) out[base + ids[i]!]!++
  }
  return out
}

/**
 * Per-expert counts of each layer summed over steps: `layers` rows of `experts`.
 *
 * @example
 * layerCounts(trace)[0] // per-expert counts of layer 0, all steps
 */
export function layerCounts(trace: Trace): Float64Array[] {
  const all = traceCounts(trace)
  const { steps, layers, numExperts } = trace
  const rows = Array.from({ length: layers }, () => new Float64Array(numExperts))
  for (let s = 0; s < steps; s++) {
    for (let l = 0; l < layers; l++) {
      const base = (s * layers + l) * numExperts
      const row = rows[l]!
      for (let e = 0; e < numExperts; e++) row[e]! += all[base + e]!
    }
  }
  return rows
}
