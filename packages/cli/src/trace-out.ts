import { assertOneOf } from '@routesim/core'
import { idsTrace, type Trace } from '@routesim/io'
import type { CliOutput } from './io.ts'
import type { RouteMeasurement as RouteOutcome } from '@routesim/simulator'
import { INDICES_TYPES, describeWritten, writeTraceFile } from './trace-files.ts'

/** Writes a trace for `--out` and says on stderr where it went (stdout stays the report or the JSON). */
export function writeOut(output: CliOutput, path: string, trace: Trace, indicesType: string): void {
  const dtype = assertOneOf<(typeof INDICES_TYPES)[number]>('--indices-type', indicesType, INDICES_TYPES)
  const format = writeTraceFile('--out', path, trace, { indicesType: dtype })
  output.err(`routing written to ${path}: ${describeWritten(trace, format, dtype)}\n`)
}

/** `route --out`: the one layer's ids and weights, `[tokens, k]`. */
export function writeRouteOut(
  output: CliOutput,
  path: string,
  outcome: RouteOutcome,
  tokens: number,
  topK: number,
  experts: number,
  indicesType: string,
): void {
  writeOut(output, path, idsTrace({ ids: outcome.ids, weights: outcome.weights, tokens, topK, numExperts: experts }), indicesType)
}
