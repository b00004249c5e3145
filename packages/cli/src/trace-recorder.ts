import { LIMITS, LimitExceededError, indexArrayToInt32, type RoutingStrategy } from '@routesim/core'
import { idsTrace, type IdsTrace } from '@routesim/io'
import type { Scenario, StrategyResolver } from '@routesim/scenarios'

export interface TraceRecorder {
  /** A resolver whose strategies also record what they route. */
  wrap(resolve: StrategyResolver): StrategyResolver
  /** Everything recorded: `[steps, layers, tokens, k]` ids and weights. */
  trace(): IdsTrace
}

/**
 * Records the routing of a `simulate` run for `--out`: every layer's ids and weights of every step.
 * The scenario loop routes layer 0…L-1 of step 0, then of step 1, …; each layer's strategy counts its
 * own calls, so a call's step is known without touching the loop. The whole run is held in memory:
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
    wrap(resolve) {
      return (choice, layer, seed) => {
        const router = resolve(choice, layer, seed)
        const inner = router.strategy
        // Strategies may be frozen: the recording routeTokens is defined on a child object, never assigned.
        const routeTokens: RoutingStrategy['routeTokens'] = (...args) => {
          const result = inner.routeTokens(...args)
          const step = calls[layer]!++
          if (step < steps) {
            const at = (step * layers + layer) * block
            ids.set(indexArrayToInt32(result[1].data).subarray(0, block), at)
            weights.set(result[0].data.subarray(0, block), at)
          }
          return result
        }
        const strategy = Object.create(inner, { routeTokens: { value: routeTokens, enumerable: true } }) as RoutingStrategy
        return { ...router, strategy }
      }
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
