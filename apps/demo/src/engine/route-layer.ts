import type { KernelBackend } from '@routesim/core'
import { createSimulator, routeAndMeasure } from '@routesim/simulator'
import type { RouteMeasureRequest, RouteMeasurement } from '@routesim/simulator'

/** Where a routing is: its phases in order, and how far into the current one (0–1). */
export type RoutePhase = 'logits' | 'routing' | 'metrics'
export type RouteProgress = (phase: RoutePhase, fraction: number) => void

/**
 * Routes and measures one layer with the library's one route-and-measure path (`routeAndMeasure`, as
 * `routesim route` does) on a simulator seeded with the run's seed, so the ids are byte-identical to the
 * CLI's for the same arguments (route-layer.test.ts). Only the page's progress phases are this file's.
 */
export function routeLayer(request: Omit<RouteMeasureRequest, 'backend'>, backend?: KernelBackend, onProgress?: RouteProgress): Promise<RouteMeasurement> {
  const hooks = onProgress && {
    logits: (done: number, total: number) => onProgress('logits', done / total),
    routing: () => onProgress('routing', 0),
    measuring: () => onProgress('metrics', 0),
  }
  return routeAndMeasure(createSimulator({ seed: request.seed }), { ...request, backend }, hooks)
}

/** FNV-1a over the bytes of an int32 array, as 8 hex digits: equal digests ⇔ (almost surely) equal routing. */
export function int32Digest(values: Int32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

/**
 * A `[rows, experts]` picture of which experts sampled tokens went to (cell = routing weight, or 1 where
 * a strategy gives none): every token when T ≤ maxRows, else maxRows evenly spaced tokens.
 */
export function tokenExpertHeatmap(
  ids: Int32Array,
  weights: Float32Array,
  tokens: number,
  topK: number,
  experts: number,
  maxRows = 512,
): { rows: number; tokenIndex: Int32Array; data: Float32Array } {
  const rows = Math.min(tokens, maxRows)
  const data = new Float32Array(rows * experts)
  const tokenIndex = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    const t = rows === tokens ? r : Math.floor((r * tokens) / rows)
    tokenIndex[r] = t
    for (let j = 0; j < topK; j++) {
      const e = ids[t * topK + j]!
      const w = weights[t * topK + j]!
      if (e >= 0 && e < experts) data[r * experts + e]! += Number.isFinite(w) && w > 0 ? w : 1
    }
  }
  return { rows, tokenIndex, data }
}
