import { InvalidStrategyResultError } from './errors/invalid-strategy-result-error.ts'
import type { KernelBackend } from './kernel-backend.ts'
import type { RoutingContext, RoutingStrategy } from './routing-strategy.ts'
import { assertRoutingInputs } from './validation.ts'
import { resolveIndexDtype, type IndexDtype, type RoutingResult, type ShapedInput, type Tensor } from './tensor.ts'

/** Who produced a result, for the error message. */
export interface StrategyOrigin {
  readonly strategyName: string
  /** The plugin (npm package or file) the strategy came from, when known. */
  readonly plugin?: string | undefined
  /** The definition promises k distinct experts per token. */
  readonly distinctIds?: boolean
}

const ID_TYPES = { int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array } as const

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

function shapeOf(tensor: unknown): unknown {
  return (tensor as { shape?: unknown } | null | undefined)?.shape
}

function sameShape(shape: unknown, rows: number, cols: number): boolean {
  return Array.isArray(shape) && shape.length === 2 && shape[0] === rows && shape[1] === cols
}

/**
 * Checks a routing result against the call that produced it: `[weights, ids]`, weights a Float32Array
 * `[T, k]` of finite numbers, ids `[T, k]` of the requested dtype with every id in [0, E), distinct per
 * token when `origin.distinctIds`. Throws `InvalidStrategyResultError` naming the strategy and plugin.
 * O(T·k); the built-ins skip it (the conformance suite holds them to the same contract).
 */
export function checkStrategyResult(
  origin: StrategyOrigin,
  result: unknown,
  call: { numTokens: number; numExperts: number; topK: number; indicesType?: IndexDtype | undefined },
): RoutingResult {
  const fail = (problem: string): never => {
    throw new InvalidStrategyResultError({ strategyName: origin.strategyName, plugin: origin.plugin, problem })
  }
  const { numTokens: T, numExperts: E, topK: k } = call
  if (result === undefined || result === null) fail(`${String(result)} instead of [weights, ids]`)
  if (isThenable(result)) fail('a Promise from routeTokens (it must return synchronously; use routeTokensOn for async work)')
  if (!Array.isArray(result) || result.length !== 2) fail('not a pair [weights, ids]')
  const [weights, ids] = result as [Tensor, Tensor]
  if (!(weights?.data instanceof Float32Array)) fail(`weights.data is ${weights?.data?.constructor?.name ?? typeof weights?.data}, not Float32Array`)
  if (!sameShape(shapeOf(weights), T, k)) fail(`weights.shape is ${JSON.stringify(shapeOf(weights))}, not [${T}, ${k}]`)
  if (weights.data.length !== T * k) fail(`weights.data has ${weights.data.length} values, not T·k = ${T * k}`)
  const dtype = resolveIndexDtype(call.indicesType)
  const IdType = ID_TYPES[dtype]
  if (!(ids?.data instanceof IdType)) fail(`ids.data is ${ids?.data?.constructor?.name ?? typeof ids?.data}, not ${IdType.name} (indicesType '${dtype}')`)
  if (!sameShape(shapeOf(ids), T, k)) fail(`ids.shape is ${JSON.stringify(shapeOf(ids))}, not [${T}, ${k}]`)
  if (ids.data.length !== T * k) fail(`ids.data has ${ids.data.length} values, not T·k = ${T * k}`)
  const w = weights.data as Float32Array
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!
    if (v - v !== 0) fail(`weight ${v} at token ${Math.floor(i / k)}, slot ${i % k} (weights must be finite)`)
  }
  const data = ids.data
  const wide = data instanceof BigInt64Array
  for (let i = 0; i < data.length; i++) {
    const id = wide ? Number(data[i] as bigint) : (data[i] as number)
    if (!(id >= 0 && id < E)) fail(`expert id ${String(data[i])} at token ${Math.floor(i / k)}, slot ${i % k} (ids must be in [0, ${E}))`)
  }
  if (origin.distinctIds && k > 1) {
    const seen = new Uint32Array(E)
    for (let t = 0; t < T; t++) {
      const mark = t + 1
      for (let j = 0; j < k; j++) {
        const id = Number(data[t * k + j])
        if (seen[id] === mark) fail(`expert ${id} twice for token ${t} (the strategy promises distinct experts per token)`)
        seen[id] = mark
      }
    }
  }
  return result as RoutingResult
}

function callSizes(hiddenStates: ShapedInput, routerLogits: ShapedInput, topK: number, indicesType: IndexDtype | undefined) {
  const sizes = assertRoutingInputs(hiddenStates, routerLogits, topK, { distinct: false })
  return { ...sizes, indicesType: resolveIndexDtype(indicesType) }
}

/**
 * Wraps a strategy that is not a built-in so every result it returns, sync or async, passes
 * `checkStrategyResult`. Arguments are checked by the routing-input validation first, so a bad call
 * is blamed on the caller, not the strategy.
 */
export function guardStrategy(strategy: RoutingStrategy, origin: StrategyOrigin): RoutingStrategy {
  const guarded: RoutingStrategy = {
    routeTokens(hiddenStates, routerLogits, topK, indicesType, context?: RoutingContext) {
      const sizes = callSizes(hiddenStates, routerLogits, topK, indicesType)
      return checkStrategyResult(origin, strategy.routeTokens(hiddenStates, routerLogits, topK, indicesType, context), sizes)
    },
  }
  if (typeof strategy.routeTokensOn === 'function') {
    const routeOn = strategy.routeTokensOn.bind(strategy)
    guarded.routeTokensOn = async (backend: KernelBackend, hiddenStates, routerLogits, topK, indicesType, context) => {
      const sizes = callSizes(hiddenStates, routerLogits, topK, indicesType)
      return checkStrategyResult(origin, await routeOn(backend, hiddenStates, routerLogits, topK, indicesType, context), sizes)
    }
  }
  return Object.freeze(guarded)
}
