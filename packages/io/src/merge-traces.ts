import { InvalidArgumentError } from '@routesim/core'
import { idsTrace, traceCounts, type CountsTrace, type Trace } from './trace.ts'

/**
 * One trace from several recordings of the same model, e.g. the per-rank files of SGLang's
 * `per_pass`/`per_token` recorder (each rank records its own tokens). Ids traces with one step, the
 * same layers and the same top-k are joined token-wise; anything else is summed as per-expert counts,
 * step by step when every trace has as many steps, else over all steps. Layers must agree (in number
 * and, when recorded, in model layer ids); experts are the largest of the traces.
 *
 * @example
 * const all = mergeTraces(files.map((f) => readTrace(readFileSync(f), f)))
 */
export function mergeTraces(traces: readonly Trace[]): Trace {
  if (traces.length === 0) throw new InvalidArgumentError({ parameter: 'traces', value: traces, allowed: 'at least one trace' })
  const first = traces[0]!
  if (traces.length === 1) return first
  const layers = first.layers
  const layerIds = first.layerIds
  for (const [i, t] of traces.entries()) {
    if (t.layers !== layers || (t.layerIds ?? []).join() !== (layerIds ?? []).join()) {
      throw new InvalidArgumentError({
        parameter: `traces[${i}].layers`,
        value: t.layerIds ? `model layers [${t.layerIds.join(', ')}]` : t.layers,
        allowed: `the first trace's ${layerIds ? `model layers [${layerIds.join(', ')}]` : `${layers} layers`}`,
      })
    }
  }
  const numExperts = Math.max(...traces.map((t) => t.numExperts))
  const assumptions = [...new Set(traces.flatMap((t) => t.assumptions))]
  const extra = layerIds ? { layerIds } : {}
  if (traces.every((t) => t.kind === 'ids' && t.steps === 1 && t.topK === (first as typeof t).topK)) {
    const ids = traces as readonly (Trace & { kind: 'ids' })[]
    const k = ids[0]!.topK
    const tokens = ids.reduce((n, t) => n + t.tokens, 0)
    const out = new Int32Array(layers * tokens * k)
    const weights = ids.every((t) => t.weights) ? new Float32Array(out.length) : undefined
    for (let l = 0; l < layers; l++) {
      let at = l * tokens * k
      for (const t of ids) {
        const block = t.tokens * k
        out.set(t.ids.subarray(l * block, (l + 1) * block), at)
        weights?.set(t.weights!.subarray(l * block, (l + 1) * block), at)
        at += block
      }
    }
    assumptions.push(`joined the tokens of ${traces.length} traces (${tokens} tokens in all)`)
    return idsTrace({ ids: out, weights, layers, tokens, topK: k, numExperts, assumptions, layerIds })
  }
  const sameSteps = traces.every((t) => t.steps === first.steps)
  const steps = sameSteps ? first.steps : 1
  const counts = new Float64Array(steps * layers * numExperts)
  for (const t of traces) {
    const c = traceCounts(t)
    for (let s = 0; s < t.steps; s++) {
      for (let l = 0; l < layers; l++) {
        const from = (s * layers + l) * t.numExperts
        const to = ((sameSteps ? s : 0) * layers + l) * numExperts
        for (let e = 0; e < t.numExperts; e++) counts[to + e]! += c[from + e]!
      }
    }
  }
  assumptions.push(`summed the per-expert counts of ${traces.length} traces${sameSteps ? ' step by step' : ' over all their steps (their step counts differ)'}`)
  const merged: CountsTrace = { kind: 'counts', steps, layers, numExperts, counts, assumptions, ...extra }
  return merged
}
