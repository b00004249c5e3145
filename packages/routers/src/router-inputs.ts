import { assertFiniteLogits, assertRoutingInputs, resolveIndexDtype } from '@routesim/core'
import type { IndexDtype, ShapedInput, Tensor } from '@routesim/core'

export interface RouterInputs {
  readonly numTokens: number
  readonly numExperts: number
  readonly topK: number
  readonly indexDtype: IndexDtype
  /** Row-major `[T, E]` float32 logits (float64 input is cast, as vLLM casts to fp32). */
  readonly logits: Float32Array
}

/**
 * Validates the seed's `routeTokens` arguments for a router: 2-D shapes that agree, float logits with data,
 * 1 ≤ topK ≤ E, a known index dtype, and only finite logits (checked after the cast to float32, so a float64
 * value beyond float32 range is caught too).
 */
export function readRouterInputs(
  hiddenStates: ShapedInput,
  routerLogits: Tensor | ShapedInput,
  topK: unknown,
  indicesType: unknown,
  options: { checkFinite?: boolean } = {},
): RouterInputs {
  const {
    numTokens,
    numExperts,
    topK: k,
  } = assertRoutingInputs(hiddenStates, routerLogits, topK, {
    distinct: true,
    requireLogits: true,
  })
  const indexDtype = resolveIndexDtype(indicesType)
  const data = routerLogits.data!
  const logits = data instanceof Float32Array ? data : Float32Array.from(data as Float64Array)
  // The reference backend checks finiteness while it reads; other backends may not, so callers choose.
  if (options.checkFinite ?? true) assertFiniteLogits('routerLogits', logits, numExperts)
  return { numTokens, numExperts, topK: k, indexDtype, logits }
}
