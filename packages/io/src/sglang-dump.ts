import type { NdArray } from './nd-array.ts'
import { idsTrace, type CountsTrace, type Trace, type TraceHints } from './trace.ts'
import { TraceFormatError } from './trace-format-error.ts'

/**
 * SGLang's expert-distribution recorder (`--expert-distribution-recorder-mode`) dumps with `torch.save`:
 * - `stat` / `stat_approx`: `{rank, logical_count: [buffered passes, layers, logical experts], average_utilization_rate_over_window}`
 * - `per_pass`: `{records: [{forward_pass_id, rank, gatherer_key, global_physical_count: [layers, physical experts]}], last_physical_to_logical_map}`
 * - `per_token`: as `per_pass`, each record also with `topk_ids_of_layer: [layers, tokens, 8]` (physical ids, -1 unused)
 * Layers SGLang never routes (dense layers) and unused buffer rows stay zero; both are dropped here, and said so.
 */

type Dict = Record<string, unknown>

function isArray(value: unknown): value is NdArray {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'data' in value
}

function numbers(a: NdArray): Float64Array {
  if (a.data instanceof BigInt64Array) return Float64Array.from(a.data, Number)
  return Float64Array.from(a.data as ArrayLike<number>)
}

/**
 * Whether a torch file's top-level value is one of SGLang's recorder dumps.
 *
 * @example
 * isSglangDump(readTorch(readFileSync('expert_distribution_recorder_1733450000.0.pt'))) // true
 */
export function isSglangDump(value: unknown): value is Dict {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isArray(value)) return false
  const d = value as Dict
  return (isArray(d['logical_count']) && 'rank' in d) || (Array.isArray(d['records']) && 'last_physical_to_logical_map' in d)
}

function physicalToLogical(file: string, value: unknown, layers: number, physical: number): Int32Array | undefined {
  if (value === null || value === undefined) return undefined
  if (!isArray(value) || value.shape.length !== 2 || value.shape[0] !== layers || value.shape[1] !== physical) {
    throw new TraceFormatError({ file, part: 'last_physical_to_logical_map', problem: `is not a [${layers}, ${physical}] tensor` })
  }
  const map = Int32Array.from(numbers(value))
  for (const v of map) if (!(v >= 0)) throw new TraceFormatError({ file, part: 'last_physical_to_logical_map', problem: `holds ${v}, not a logical expert id` })
  return map
}

/** Keeps the layers and steps that recorded anything; says which were dropped. */
function dropEmpty(
  file: string,
  counts: Float64Array,
  steps: number,
  layers: number,
  E: number,
  assumptions: string[],
): { counts: Float64Array; steps: number; layerIds: number[] } {
  const stepHas = new Uint8Array(steps)
  const layerHas = new Uint8Array(layers)
  for (let s = 0; s < steps; s++) {
    for (let l = 0; l < layers; l++) {
      const base = (s * layers + l) * E
      for (let e = 0; e < E; e++) {
        if (counts[base + e] !== 0) {
          stepHas[s] = 1
          layerHas[l] = 1
          break
        }
      }
    }
  }
  const keptSteps = [...stepHas.keys()].filter((s) => stepHas[s])
  const layerIds = [...layerHas.keys()].filter((l) => layerHas[l])
  if (layerIds.length === 0) throw new TraceFormatError({ file, part: 'counts', problem: 'every count is zero: the recorder saw no routing' })
  if (keptSteps.length < steps) assumptions.push(`dropped ${steps - keptSteps.length} of ${steps} recorded passes with no routing (unused buffer rows)`)
  if (layerIds.length < layers) {
    const dropped = [...layerHas.keys()].filter((l) => !layerHas[l])
    assumptions.push(
      `dropped layer${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')} with no routing (dense layers); trace layer i is model layer layerIds[i]`,
    )
  }
  const out = new Float64Array(keptSteps.length * layerIds.length * E)
  keptSteps.forEach((s, si) => {
    layerIds.forEach((l, li) => out.set(counts.subarray((s * layers + l) * E, (s * layers + l + 1) * E), (si * layerIds.length + li) * E))
  })
  return { counts: out, steps: keptSteps.length, layerIds }
}

function countsTrace(file: string, counts: Float64Array, steps: number, layers: number, E: number, assumptions: string[], hints: TraceHints): CountsTrace {
  if (hints.experts !== undefined && hints.experts !== E) {
    throw new TraceFormatError({ file, part: 'counts', problem: `the dump has ${E} logical experts, not experts = ${hints.experts}` })
  }
  const kept = dropEmpty(file, counts, steps, layers, E, assumptions)
  return { kind: 'counts', steps: kept.steps, layers: kept.layerIds.length, numExperts: E, counts: kept.counts, assumptions, layerIds: kept.layerIds }
}

function statTrace(file: string, dump: Dict, hints: TraceHints): CountsTrace {
  const lc = dump['logical_count'] as NdArray
  if (lc.shape.length < 2 || lc.shape.length > 3)
    throw new TraceFormatError({ file, part: 'logical_count', problem: `shape [${lc.shape.join(', ')}] is not [passes, layers, experts]` })
  const [steps, layers, E] = lc.shape.length === 3 ? (lc.shape as [number, number, number]) : [1, lc.shape[0]!, lc.shape[1]!]
  const counts = numbers(lc)
  for (let i = 0; i < counts.length; i++) {
    if (!(counts[i]! >= 0)) throw new TraceFormatError({ file, part: 'logical_count', problem: `count ${counts[i]} at flat index ${i} is negative` })
  }
  const assumptions = [`SGLang expert-distribution dump (stat mode, rank ${String(dump['rank'])}): logical counts per forward pass`]
  return countsTrace(file, counts, steps, layers, E, assumptions, hints)
}

function record(file: string, records: unknown[], i: number): Dict {
  const r = records[i]
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new TraceFormatError({ file, part: `records[${i}]`, problem: 'is not a dict' })
  return r as Dict
}

function tensorOf(file: string, r: Dict, i: number, key: string, ndim: number): NdArray {
  const t = r[key]
  if (!isArray(t) || t.shape.length !== ndim) throw new TraceFormatError({ file, part: `records[${i}].${key}`, problem: `is not a ${ndim}-D tensor` })
  return t
}

/** `per_pass`: physical counts per pass, summed onto logical experts through the map. */
function perPassTrace(file: string, dump: Dict, records: unknown[], hints: TraceHints): CountsTrace {
  const first = tensorOf(file, record(file, records, 0), 0, 'global_physical_count', 2)
  const [layers, physical] = first.shape as [number, number]
  const map = physicalToLogical(file, dump['last_physical_to_logical_map'], layers, physical)
  const E = hints.experts ?? (map ? map.reduce((a, b) => Math.max(a, b), 0) + 1 : physical)
  const assumptions = [`SGLang expert-distribution dump (per_pass mode, ${records.length} forward passes)`]
  if (map) assumptions.push('physical counts summed onto logical experts through last_physical_to_logical_map')
  else assumptions.push('no physical-to-logical map: physical experts read as logical')
  const counts = new Float64Array(records.length * layers * E)
  for (let i = 0; i < records.length; i++) {
    const t = tensorOf(file, record(file, records, i), i, 'global_physical_count', 2)
    if (t.shape[0] !== layers || t.shape[1] !== physical)
      throw new TraceFormatError({
        file,
        part: `records[${i}].global_physical_count`,
        problem: `shape [${t.shape.join(', ')}] differs from the first record's [${layers}, ${physical}]`,
      })
    const c = numbers(t)
    for (let l = 0; l < layers; l++) {
      for (let p = 0; p < physical; p++) {
        const v = c[l * physical + p]!
        if (!(v >= 0)) throw new TraceFormatError({ file, part: `records[${i}].global_physical_count`, problem: `count ${v} is negative` })
        const e = map ? map[l * physical + p]! : p
        if (e >= E) throw new TraceFormatError({ file, part: 'last_physical_to_logical_map', problem: `maps to expert ${e}, not below experts = ${E}` })
        counts[(i * layers + l) * E + e]! += v
      }
    }
  }
  return countsTrace(file, counts, records.length, layers, E, assumptions, hints)
}

/** `per_token`: every pass's tokens, concatenated, as an ids trace of logical experts. */
function perTokenTrace(file: string, dump: Dict, records: unknown[], hints: TraceHints): Trace {
  const tensors = records.map((_, i) => tensorOf(file, record(file, records, i), i, 'topk_ids_of_layer', 3))
  const [layers, , width] = tensors[0]!.shape as [number, number, number]
  let tokens = 0
  for (const [i, t] of tensors.entries()) {
    if (t.shape[0] !== layers || t.shape[2] !== width)
      throw new TraceFormatError({
        file,
        part: `records[${i}].topk_ids_of_layer`,
        problem: `shape [${t.shape.join(', ')}] differs from [${layers}, tokens, ${width}]`,
      })
    tokens += t.shape[1]!
  }
  // Physical ids as recorded, [layers, all tokens, width]; -1 marks slots nothing was routed to.
  const raw = new Float64Array(layers * tokens * width)
  let at = 0
  for (const t of tensors) {
    const n = t.shape[1]!
    const v = numbers(t)
    for (let l = 0; l < layers; l++) raw.set(v.subarray(l * n * width, (l + 1) * n * width), (l * tokens + at) * width)
    at += n
  }
  let physical = 0
  for (const v of raw) if (v + 1 > physical) physical = v + 1
  const mapTensor = dump['last_physical_to_logical_map']
  const physicalCount = isArray(mapTensor) && mapTensor.shape.length === 2 ? mapTensor.shape[1]! : physical
  if (physical > physicalCount)
    throw new TraceFormatError({ file, part: 'topk_ids_of_layer', problem: `id ${physical - 1} is not a physical expert of the map's ${physicalCount}` })
  const map = physicalToLogical(file, mapTensor, layers, physicalCount)
  const E = hints.experts ?? (map ? map.reduce((a, b) => Math.max(a, b), 0) + 1 : physicalCount)
  const assumptions = [`SGLang expert-distribution dump (per_token mode, ${records.length} forward passes, ${tokens} tokens in all)`]
  assumptions.push(
    map ? 'physical expert ids mapped to logical ones through last_physical_to_logical_map' : 'no physical-to-logical map: physical ids read as logical',
  )
  const logical = (l: number, v: number): number => {
    const e = map ? map[l * physicalCount + v]! : v
    if (e >= E) throw new TraceFormatError({ file, part: 'topk_ids_of_layer', problem: `expert ${e} is not below experts = ${E}` })
    return e
  }
  // Layers with no routing at all (dense layers) and columns never written (top-k below SGLang's 8) go.
  const layerIds: number[] = []
  for (let l = 0; l < layers; l++) {
    const block = raw.subarray(l * tokens * width, (l + 1) * tokens * width)
    if (block.some((v) => v !== -1)) layerIds.push(l)
  }
  if (layerIds.length === 0) throw new TraceFormatError({ file, part: 'topk_ids_of_layer', problem: 'every id is -1: the recorder saw no routing' })
  if (layerIds.length < layers) {
    const dropped = [...Array(layers).keys()].filter((l) => !layerIds.includes(l))
    assumptions.push(
      `dropped layer${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')} with no routing (dense layers); trace layer i is model layer layerIds[i]`,
    )
  }
  let k = width
  while (k > 0 && layerIds.every((l) => raw.subarray(l * tokens * width, (l + 1) * tokens * width).every((v, i) => i % width !== k - 1 || v === -1))) k--
  if (k < width) assumptions.push(`top-k = ${k} (SGLang pads to ${width} with -1)`)
  let scattered = false
  for (const l of layerIds) {
    for (let i = 0; i < tokens * width && !scattered; i++) if (i % width < k && raw[l * tokens * width + i] === -1) scattered = true
  }
  if (scattered) {
    // Some tokens were not routed in some layer: only the counts are well defined.
    assumptions.push('some slots hold -1 (not routed): read as per-pass counts of the routed slots')
    const counts = new Float64Array(records.length * layers * E)
    let start = 0
    tensors.forEach((t, s) => {
      const n = t.shape[1]!
      for (let l = 0; l < layers; l++) {
        for (let i = 0; i < n * width; i++) {
          const v = raw[(l * tokens + start) * width + i]!
          if (v >= 0) counts[(s * layers + l) * E + logical(l, v)]! += 1
        }
      }
      start += n
    })
    return countsTrace(
      file,
      counts,
      records.length,
      layers,
      E,
      assumptions.filter((a) => !a.startsWith('dropped layer')),
      hints,
    )
  }
  const ids = new Int32Array(layerIds.length * tokens * k)
  layerIds.forEach((l, li) => {
    for (let t = 0; t < tokens; t++) {
      for (let j = 0; j < k; j++) ids[(li * tokens + t) * k + j] = logical(l, raw[(l * tokens + t) * width + j]!)
    }
  })
  return idsTrace({ ids, layers: layerIds.length, tokens, topK: k, numExperts: E, assumptions, layerIds })
}

/**
 * Reads one of SGLang's recorder dumps (any mode) as a trace of logical experts.
 *
 * @example
 * const trace = traceFromSglangDump(dump, { experts: 256 }) // trace.layerIds: the model's MoE layers
 */
export function traceFromSglangDump(dump: Dict, hints: TraceHints = {}, file = 'SGLang dump'): Trace {
  if (isArray(dump['logical_count'])) return statTrace(file, dump, hints)
  const records = dump['records'] as unknown[]
  if (records.length === 0) throw new TraceFormatError({ file, part: 'records', problem: 'is empty: nothing was recorded between start and dump' })
  const first = record(file, records, 0)
  if ('topk_ids_of_layer' in first) return perTokenTrace(file, dump, records, hints)
  if ('global_physical_count' in first) return perPassTrace(file, dump, records, hints)
  throw new TraceFormatError({ file, part: 'records[0]', problem: 'has neither topk_ids_of_layer (per_token) nor global_physical_count (per_pass)' })
}
