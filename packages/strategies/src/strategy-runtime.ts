import { assertNonNegativeInteger, assertRoutingInputs, createPrng, createTensor, resolveIndexDtype, toIndexArray } from '@routesim/core'
import type { IndexDtype, Prng, PrngState, RoutingContext, RoutingResult, RoutingStrategy, Seed, ShapedInput, Tensor } from '@routesim/core'
import { fillWeights } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

/** Everything one `routeTokens` call hands to a strategy's routing body. */
export interface RoutingCall {
  readonly numTokens: number
  readonly numExperts: number
  readonly topK: number
  /** The stream of this call: the simulator's (context.prng) or the strategy's own. */
  readonly prng: Prng
  /** context.layer, default 0. */
  readonly layer: number
  readonly hiddenStates: ShapedInput
  readonly routerLogits: Tensor | ShapedInput
  readonly context: RoutingContext | undefined
}

/** A strategy's resumable state: its own stream plus any structure it carries between calls. */
export interface StrategyState {
  readonly prng: PrngState
  readonly memory?: unknown
}

/**
 * Base of every synthetic strategy here: validates the seed's arguments (k distinct ids, so
 * 1 ≤ topK ≤ E), picks the stream, runs `route` to fill ids (row-major `[T, k]`, int32), applies
 * the weight policy and converts ids to the requested dtype.
 */
export abstract class SyntheticStrategy implements RoutingStrategy {
  readonly name: string
  protected readonly seed: Seed
  protected readonly ownPrng: Prng
  protected readonly weightOptions: WeightOptions

  constructor(name: string, seed: Seed | undefined, weightOptions: WeightOptions) {
    this.name = name
    this.seed = seed ?? 0
    this.ownPrng = createPrng(this.seed, 'strategy', name)
    this.weightOptions = weightOptions
  }

  /** Whether `route` writes every one of the T·k ids, so a caller-owned output needs no clearing first. */
  protected readonly writesEveryId: boolean = false

  /** Fills `ids` (`[T, k]`); may return the router's weights (logit strategies). */
  protected abstract route(call: RoutingCall, ids: Int32Array): Float32Array | void

  routeTokens(hiddenStates: ShapedInput, routerLogits: Tensor | ShapedInput, topK: number, indicesType?: IndexDtype, context?: RoutingContext): RoutingResult {
    const dtype = resolveIndexDtype(indicesType)
    const { numTokens, numExperts, topK: k } = assertRoutingInputs(hiddenStates, routerLogits, topK, { distinct: true })
    const layer = context?.layer === undefined ? 0 : assertNonNegativeInteger('context.layer', context.layer)
    const prng = context?.prng ?? this.ownPrng
    // Caller-owned outputs (context.output) of the right size are written in place; cleared first, as fresh ones are,
    // unless the strategy overwrites every id anyway.
    const output = context?.output
    const own = output !== undefined && output.ids.length === numTokens * k && output.weights.length === numTokens * k
    const ids = own ? (this.writesEveryId ? output.ids : output.ids.fill(0)) : new Int32Array(numTokens * k)
    const call: RoutingCall = { numTokens, numExperts, topK: k, prng, layer, hiddenStates, routerLogits, context }
    const routerWeights = this.route(call, ids)
    let weights = fillWeights(this.weightOptions, ids, numTokens, k, routerLogits, prng, routerWeights ?? undefined, own ? output.weights : undefined)
    if (own && weights !== output.weights) {
      output.weights.set(weights)
      weights = output.weights
    }
    return [createTensor(weights, [numTokens, k]), createTensor(toIndexArray(ids, dtype), [numTokens, k])]
  }

  /** Snapshot of the own stream and carried structure; `setState` restores it exactly. */
  getState(): StrategyState {
    const memory = this.saveMemory()
    return memory === undefined ? { prng: this.ownPrng.getState() } : { prng: this.ownPrng.getState(), memory }
  }

  setState(state: StrategyState): void {
    this.ownPrng.setState(state.prng)
    this.loadMemory(state.memory)
  }

  /** Structure carried between calls (previous layer's ids, last tokens), deep-copied. */
  protected saveMemory(): unknown {
    return undefined
  }

  protected loadMemory(_memory: unknown): void {}
}
