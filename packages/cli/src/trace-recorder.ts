import { LIMITS, LimitExceededError, indexArrayToInt32 } from '@routesim/core'
import { idsTrace, type IdsTrace } from '@routesim/io'
import type { RoutedLayer, Scenario } from '@routesim/scenarios'

export interface TraceRecorder {
  /** Records one routed layer: pass it as the scenario loop's `onRoute`. */
  record(routed: RoutedLayer): void
  /** Everything recorded: `[steps, layers, tokens, k]` ids and weights. */
  trace(): IdsTrace
}

/**
 * Records the routing of a `simulate` run for `--out`: every layer's ids and weights of every step.
 * The scenario loop hands over every routed layer (`onRoute`) with its step. The whole run is held in memory:
 * at most `LIMITS.maxElements` slots, checked before the run starts.
 */
export function createTraceRecorder(scenario: Scenario, flag = '--out'): TraceRecorder {
  const { steps, numLayers: layers, tokensPerStep: tokens } = scenario
  const { numExperts, topK } = scenario.preset.routing
  const slots = steps * layers * tokens * topK
  if (slots > LIMITS.maxElements) {
    throw new LimitExceededError({
      parameter: flag,
      value: slots,
      limit: LIMITS.maxElements,
      limitName: 'recorded slots (steps × layers × tokens × top-k)',
      detail: `${steps} steps × ${layers} layers × ${tokens} tokens × top-${topK}; record fewer --steps or --layers.`,
    })
  }
  const ids = new Int32Array(slots)
  const weights = new Float32Array(slots)
  const calls = new Int32Array(layers)
  const block = tokens * topK
  return {
    record({ step, layer, weights: w, ids: i }) {
      if (step >= steps) return
      const at = (step * layers + layer) * block
      ids.set(indexArrayToInt32(i.data).subarray(0, block), at)
      weights.set(w.data.subarray(0, block), at)
      calls[layer] = Math.max(calls[layer]!, step + 1)
    },
    trace() {
      const done = Math.min(...calls)
      return idsTrace({
        ids: ids.subarray(0, done * layers * block),
        weights: weights.subarray(0, done * layers * block),
        steps: done,
        layers,
        tokens,
        topK,
        numExperts,
      })
    },
  }
}
