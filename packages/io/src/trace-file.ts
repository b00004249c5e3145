import { InvalidArgumentError } from '@routesim/core'
import { concatBytes, ndarray, type NdArray } from './nd-array.ts'
import { encodeNpy, isNpy, readNpy } from './npy.ts'
import { isZip, readNpz, writeNpz } from './npz.ts'
import { encodeSafetensors, isSafetensors, readSafetensors } from './safetensors.ts'
import { MAX_TEXT_TRACE_BYTES, arrayToNested, readCsvArrays, readJsonArrays, readJsonlArrays } from './text-formats.ts'
import { isSglangDump, traceFromSglangDump } from './sglang-dump.ts'
import { isTorchZip, readTorch, writeTorch } from './torch-file.ts'
import { traceCounts, traceFromArrays, type Trace, type TraceHints } from './trace.ts'
import { TraceFormatError } from './trace-format-error.ts'

export const TRACE_FORMATS = ['npy', 'npz', 'safetensors', 'pt', 'json', 'jsonl', 'csv'] as const
export type TraceFormat = (typeof TRACE_FORMATS)[number]

/**
 * The format a file name's extension names (`.pth` and `.bin` are torch files), or undefined.
 *
 * @example
 * formatFromName('routing.pth') // 'pt'
 */
export function formatFromName(name: string): TraceFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase()
  if (ext === 'pth' || ext === 'bin') return 'pt'
  return (TRACE_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as TraceFormat) : undefined
}

/**
 * The format of a file's bytes: magic numbers first, then the name's extension for text formats.
 *
 * @example
 * detectFormat(readFileSync('trace.bin'), 'trace.bin') // 'npy', 'npz', 'pt', 'safetensors', … by magic number
 */
export function detectFormat(bytes: Uint8Array, name = ''): TraceFormat {
  if (isNpy(bytes)) return 'npy'
  if (isTorchZip(bytes)) return 'pt'
  if (isZip(bytes)) return formatFromName(name) === 'pt' ? 'pt' : 'npz'
  if (isSafetensors(bytes)) return 'safetensors'
  const named = formatFromName(name)
  if (named === 'json' || named === 'jsonl' || named === 'csv') return named
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart()
  if (head.startsWith('{') || head.startsWith('[')) {
    const firstLine = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20))).split('\n', 2)
    return firstLine.length > 1 && firstLine[0]!.trim().endsWith('}') && head.startsWith('{') ? 'jsonl' : 'json'
  }
  if (/^[\w\s.,+-]*$/.test(head)) return 'csv'
  throw new TraceFormatError({ file: name || 'trace', part: 'format', problem: `not recognised as any of ${TRACE_FORMATS.join(', ')}` })
}

/** The named arrays a torch file holds: a tensor, or a dict's top-level tensors (and numbers). */
function torchArrays(value: unknown, file: string): Record<string, NdArray> {
  if (typeof value === 'object' && value !== null && 'dtype' in value && 'data' in value) return { '': value as NdArray }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceFormatError({ file, part: 'torch file', problem: 'holds neither a tensor nor a dict of tensors' })
  }
  const out: Record<string, NdArray> = Object.create(null)
  for (const [key, v] of Object.entries(value)) if (typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v) out[key] = v as NdArray
  return out
}

/**
 * Reads the named arrays of a trace file in any supported format.
 *
 * @example
 * readArrays(readFileSync('routing.npz'), 'routing.npz') // { topk_ids, topk_weights }
 */
export function readArrays(bytes: Uint8Array, name = 'trace', format?: TraceFormat): Record<string, NdArray> {
  const kind = format ?? detectFormat(bytes, name)
  switch (kind) {
    case 'npy':
      return { '': readNpy(bytes, name) }
    case 'npz':
      return readNpz(bytes, name)
    case 'safetensors':
      return readSafetensors(bytes, name).tensors
    case 'pt':
      return torchArrays(readTorch(bytes, name), name)
    default: {
      if (bytes.length > MAX_TEXT_TRACE_BYTES) {
        throw new TraceFormatError({
          file: name,
          part: kind,
          problem: `${bytes.length} bytes is over the ${MAX_TEXT_TRACE_BYTES}-byte limit for text traces; use .npz or .safetensors`,
        })
      }
      let text: string
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
      } catch (cause) {
        throw new TraceFormatError({ file: name, part: kind, problem: 'is not UTF-8 text', cause })
      }
      if (kind === 'json') return readJsonArrays(text, name)
      if (kind === 'jsonl') return readJsonlArrays(text, name)
      return readCsvArrays(text, name)
    }
  }
}

/**
 * Reads a routing trace from a file's bytes in any supported format: ids `[tokens, k]` (optionally
 * per layer and step) with weights, or per-expert counts. `trace.assumptions` says what was guessed.
 *
 * @example
 * const trace = readTrace(readFileSync('routed_experts.npy'), 'routed_experts.npy', { order: 'tokens-layers', experts: 128 })
 */
export function readTrace(bytes: Uint8Array, name = 'trace', hints: TraceHints & { format?: TraceFormat } = {}): Trace & { readonly format: TraceFormat } {
  const format = hints.format ?? detectFormat(bytes, name)
  if (format === 'pt') {
    const value = readTorch(bytes, name)
    const trace = isSglangDump(value) ? traceFromSglangDump(value, hints, name) : traceFromArrays(torchArrays(value, name), hints, name)
    return { ...trace, format }
  }
  const trace = traceFromArrays(readArrays(bytes, name, format), hints, name)
  return { ...trace, format }
}

export interface WriteTraceOptions {
  /** Id dtype in binary files: int32 (default, as vLLM's fused top-k) or int64 (torch.long). */
  readonly indicesType?: 'int32' | 'int64'
  /** `.npz`: deflate the entries (numpy.savez_compressed). */
  readonly compress?: boolean
}

function idsArray(trace: Trace & { kind: 'ids' }, indicesType: 'int32' | 'int64'): NdArray {
  const shape = trace.steps === 1 && trace.layers === 1 ? [trace.tokens, trace.topK] : [trace.steps, trace.layers, trace.tokens, trace.topK]
  if (indicesType === 'int64') return ndarray(BigInt64Array.from(trace.ids, BigInt), shape)
  return ndarray(trace.ids, shape)
}

/**
 * Writes a trace. Binary formats hold `topk_ids` (and `topk_weights`, float32), the names vLLM's
 * fused-MoE benchmarks use, as `[tokens, k]` for one layer and step, else `[steps, layers, tokens, k]`;
 * counts traces hold `counts` `[steps, layers, experts]`. `.npy` holds the ids (or counts) alone;
 * `.jsonl` one object per (step, layer); `.csv` per-expert counts, one row per (step, layer).
 *
 * @example
 * writeFileSync('routing.safetensors', writeTrace(trace, 'safetensors', { indicesType: 'int64' }))
 */
export function writeTrace(trace: Trace, format: TraceFormat, options: WriteTraceOptions = {}): Uint8Array {
  const chunks = encodeTrace(trace, format, options)
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks)
}

/**
 * `writeTrace` as chunks to write one after another: `.npy` and `.safetensors` hand out views of the
 * trace's own arrays (no copy of the data), the other formats one buffer.
 *
 * @example
 * for (const chunk of encodeTrace(trace, 'npy')) writeSync(fd, chunk)
 */
export function encodeTrace(trace: Trace, format: TraceFormat, options: WriteTraceOptions = {}): Uint8Array[] {
  const indicesType = options.indicesType ?? 'int32'
  if (indicesType !== 'int32' && indicesType !== 'int64')
    throw new InvalidArgumentError({ parameter: 'indicesType', value: indicesType, allowed: 'int32 or int64' })
  const arrays: Record<string, NdArray> = {}
  if (trace.kind === 'ids') {
    arrays['topk_ids'] = idsArray(trace, indicesType)
    if (trace.weights) arrays['topk_weights'] = ndarray(trace.weights, arrays['topk_ids'].shape)
  } else {
    arrays['counts'] = ndarray(trace.counts, [trace.steps, trace.layers, trace.numExperts])
  }
  const encoder = new TextEncoder()
  switch (format) {
    case 'npy':
      return encodeNpy(arrays['topk_ids'] ?? arrays['counts']!)
    case 'npz':
      return [writeNpz(arrays, { compress: options.compress ?? false })]
    case 'safetensors':
      return encodeSafetensors(arrays, { format: 'routesim-trace', numExperts: String(trace.numExperts) })
    case 'pt':
      return [writeTorch(arrays)]
    case 'json': {
      const json: Record<string, unknown> = { numExperts: trace.numExperts }
      for (const [k, a] of Object.entries(arrays)) json[k] = arrayToNested(a)
      return [encoder.encode(`${JSON.stringify(json)}\n`)]
    }
    case 'jsonl': {
      const lines: string[] = []
      for (let s = 0; s < trace.steps; s++) {
        for (let l = 0; l < trace.layers; l++) {
          const b = s * trace.layers + l
          if (trace.kind === 'ids') {
            const n = trace.tokens * trace.topK
            const ids = ndarray(trace.ids.subarray(b * n, (b + 1) * n), [trace.tokens, trace.topK])
            const record: Record<string, unknown> = { step: s, layer: l, topk_ids: arrayToNested(ids) }
            if (trace.weights) record['topk_weights'] = arrayToNested(ndarray(trace.weights.subarray(b * n, (b + 1) * n), [trace.tokens, trace.topK]))
            lines.push(JSON.stringify(record))
          } else {
            lines.push(JSON.stringify({ step: s, layer: l, counts: Array.from(trace.counts.subarray(b * trace.numExperts, (b + 1) * trace.numExperts)) }))
          }
        }
      }
      return [encoder.encode(`${lines.join('\n')}\n`)]
    }
    case 'csv': {
      const counts = traceCounts(trace)
      const E = trace.numExperts
      const lines = [['step', 'layer', ...Array.from({ length: E }, (_, e) => `e${e}`)].join(',')]
      for (let s = 0; s < trace.steps; s++) {
        for (let l = 0; l < trace.layers; l++) {
          const b = s * trace.layers + l
          lines.push([s, l, ...counts.subarray(b * E, (b + 1) * E)].join(','))
        }
      }
      return [encoder.encode(`${lines.join('\n')}\n`)]
    }
    default:
      throw new InvalidArgumentError({ parameter: 'format', value: format, allowed: TRACE_FORMATS.join(', ') })
  }
}
