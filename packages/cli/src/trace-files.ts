import { closeSync, openSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { InvalidArgumentError } from '@routesim/core'
import {
  TRACE_FORMATS,
  encodeTrace,
  formatFromName,
  mergeTraces,
  readTrace,
  type Trace,
  type TraceFormat,
  type TraceHints,
  type WriteTraceOptions,
} from '@routesim/io'
import { readBoundedFile } from './read-bounded-file.ts'

/** Trace files are read whole; Node's buffers and `readFile` stop at 2 GiB. */
export const MAX_TRACE_FILE_BYTES = 2 ** 31 - 1

/** Which id dtypes `--indices-type` offers. */
export const INDICES_TYPES = ['int32', 'int64'] as const

/**
 * A path the user typed, from the directory they typed it in (`pnpm routesim` runs from the repository
 * root but starts the program in `INIT_CWD`, so `process.cwd()` is the user's directory).
 */
export function userPath(path: string): string {
  return resolve(process.cwd(), path)
}

/**
 * The bytes of a trace file named by `flag` (or an argument), at most `maxBytes`: an unreadable path or
 * a directory is an `InvalidArgumentError` naming the flag, a bigger or endless file (`/dev/zero`) a
 * `LimitExceededError`.
 */
export function readTraceBytes(flag: string, path: string, maxBytes = MAX_TRACE_FILE_BYTES): Uint8Array {
  return readBoundedFile(flag, path, maxBytes, 'a readable trace file', userPath(path))
}

/** Reads a trace file in any format `@routesim/io` knows; format errors name the path as typed. */
export function readTraceFile(flag: string, path: string, hints: TraceHints = {}): Trace & { readonly format: TraceFormat } {
  return readTrace(readTraceBytes(flag, path), path, hints)
}

/**
 * Reads one trace file, or several recordings of one model (SGLang's per-rank dumps) merged into one
 * trace (`mergeTraces`: tokens joined, or counts summed). `format` lists the files' formats.
 */
export function readTraceFiles(flag: string, paths: readonly string[], hints: TraceHints = {}): Trace & { readonly format: string } {
  const traces = paths.map((path) => readTraceFile(flag, path, hints))
  if (traces.length === 1) return traces[0]!
  try {
    return { ...mergeTraces(traces), format: [...new Set(traces.map((t) => t.format))].join(', ') }
  } catch (error) {
    const index = InvalidArgumentError.isInstance(error) ? /^traces\[(\d+)\]/.exec(error.parameter)?.[1] : undefined
    if (index === undefined) throw error
    const e = error as InvalidArgumentError
    throw new InvalidArgumentError({
      parameter: flag,
      value: `${paths[Number(index)]} (${String(e.value)})`,
      allowed: `a recording of the same layers as ${paths[0]}: ${e.allowed}`,
    })
  }
}

/** The format an output path's extension names; anything else is an error naming the flag. */
export function outputFormat(flag: string, path: string): TraceFormat {
  const format = formatFromName(path)
  if (format === undefined) {
    throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `a file name ending in ${TRACE_FORMATS.map((f) => `.${f}`).join(', ')}` })
  }
  return format
}

/** Writes a trace to `path` in the format its extension names. Returns the format. */
export function writeTraceFile(flag: string, path: string, trace: Trace, options: WriteTraceOptions = {}): TraceFormat {
  const format = outputFormat(flag, path)
  // .npy/.safetensors come as views of the trace's own arrays: written chunk by chunk, never copied whole.
  const chunks = encodeTrace(trace, format, options)
  let fd: number | undefined
  try {
    fd = openSync(userPath(path), 'w')
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at)
    }
  } catch (error) {
    throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `a writable file path (${(error as Error).message})` })
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return format
}

/** What a written trace holds, for the line that says where it went. */
export function describeWritten(trace: Trace, format: TraceFormat, indicesType: string): string {
  if (trace.kind === 'counts') return `counts [${trace.steps}, ${trace.layers}, ${trace.numExperts}]`
  const shape = trace.steps === 1 && trace.layers === 1 ? [trace.tokens, trace.topK] : [trace.steps, trace.layers, trace.tokens, trace.topK]
  if (format === 'csv') return `per-expert counts, one row per (step, layer)`
  if (format === 'jsonl') return `${trace.steps * trace.layers} lines, one per (step, layer), of topk_ids${trace.weights ? ' and topk_weights' : ''}`
  const ids = `topk_ids ${indicesType} [${shape.join(', ')}]`
  return format === 'npy' || !trace.weights ? ids : `${ids} and topk_weights float32 [${shape.join(', ')}]`
}
