import { InvalidArgumentError } from '@routesim/core'
import type { DeviceDraw, DeviceDrawRequest, ParameterSpecs, Prng, Seed } from '@routesim/core'
import { createWeightedDistinctSampler } from '@routesim/distributions'
import type { WeightedDistinctSampler } from '@routesim/distributions'
import { apportionCounts } from './apportion.ts'
import { assignExactCounts } from './exact-assignment.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import type { WeightOptions } from './weight-policy.ts'

/**
 * How popularity values are assigned to expert ids:
 * - `per_layer`: a random permutation fixed per layer: drawn on the first call for that `context.layer`
 *   (from a fork of the call's stream, so the simulator's seed governs it) and reused on every later
 *   call; random families also draw their values once per layer;
 * - `per_call`: a fresh permutation (and fresh random values) from the call's stream every call;
 * - `identity`: no permutation: expert 0 is the hottest (random families: values drawn once, on the
 *   first call, and sorted in decreasing order).
 */
export type PopularityLayout = 'per_layer' | 'per_call' | 'identity'
export const POPULARITY_LAYOUTS: readonly PopularityLayout[] = ['per_layer', 'per_call', 'identity']

export function layoutParameter(defaultLayout: PopularityLayout) {
  return {
    layout: {
      type: 'enum' as const,
      values: POPULARITY_LAYOUTS,
      default: defaultLayout,
      description:
        "how popularity maps to expert ids: 'per_layer' (random permutation drawn on the first call for a context.layer, then fixed), 'per_call' (fresh permutation each call), 'identity' (expert 0 hottest)",
    },
  } satisfies ParameterSpecs
}

/** A family of per-expert popularity values (the Plackett–Luce weights before the layout). */
export interface PopularityFamily {
  /** Values for E experts; index 0 should be the hottest for deterministic families. */
  values(numExperts: number, numTokens: number, topK: number, prng: Prng): Float64Array
  /** Random families draw values from the stream (so `per_layer` caches them per layer). */
  readonly random: boolean
  /** Whether values depend on the token count (aiconfigurator's power law does). */
  readonly dependsOnTokens?: boolean
  /** The parameter that sets the concentration, so a too-concentrated one is blamed by name. */
  readonly shapeParameter?: { readonly name: string; readonly value: number }
}

const CACHE_LIMIT = 1024

/**
 * k distinct experts per token, drawn without replacement (Plackett–Luce) from the family's
 * popularity after the layout. With `exact`, per-expert counts are realised exactly instead
 * (Σ = T·k, apportioned by popularity, each ≤ T).
 */
export class PopularityStrategy extends SyntheticStrategy {
  private readonly family: PopularityFamily
  private readonly layout: PopularityLayout
  private readonly exact: boolean
  private readonly weightsParameter: string
  private readonly cache = new Map<string, Float64Array>()
  private readonly samplers = new Map<Float64Array, WeightedDistinctSampler>()
  // Plackett–Luce rows and exact assignment both write all T·k ids.
  protected override readonly writesEveryId = true

  constructor(
    name: string,
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    family: PopularityFamily,
    options: { layout: PopularityLayout; exact?: boolean },
  ) {
    super(name, seed, weightOptions)
    this.family = family
    this.layout = options.layout
    this.exact = options.exact ?? false
    this.weightsParameter = `${name}.weights`
  }

  /**
   * The normalised per-expert popularity routing uses for these sizes and layer. A layout not yet
   * drawn for the layer is drawn now from the strategy's own stream, as an un-lent call would.
   */
  popularity(numExperts: number, numTokens: number, topK: number, layer = 0): Float64Array {
    const raw = this.arranged(numExperts, numTokens, topK, layer, this.ownPrng)
    let sum = 0
    for (let i = 0; i < raw.length; i++) sum += raw[i]!
    return Float64Array.from(raw, (v) => v / sum)
  }

  /**
   * A device can draw this strategy: k distinct ids from the layer's popularity (Plackett–Luce), the same
   * distribution every call — except with `per_call` layouts (a new one each call) or `exact` counts.
   * The layout is drawn from `request.prng` as a first host call for the layer would.
   */
  deviceDraw(request: DeviceDrawRequest): DeviceDraw | undefined {
    if (this.layout === 'per_call' || this.exact) return undefined
    const { numExperts: E, numTokens: T, topK: k, layer } = request
    return { kind: 'categorical_distinct', weights: this.arranged(E, T, k, layer, request.prng ?? this.ownPrng) }
  }

  /**
   * Popularity values on expert ids. Fixed layouts are drawn on first use of a (layer, sizes) key
   * from a fork of the call's stream and kept, so a lent PRNG governs them and later calls reuse them.
   */
  private arranged(numExperts: number, numTokens: number, topK: number, layer: number, prng: Prng): Float64Array {
    if (this.layout === 'per_call') return permuted(this.family.values(numExperts, numTokens, topK, prng), prng)
    const key = `${this.layout === 'per_layer' ? layer : '*'}:${numExperts}:${this.family.dependsOnTokens ? numTokens : ''}:${topK}`
    let values = this.cache.get(key)
    if (!values) {
      if (this.cache.size >= CACHE_LIMIT) {
        this.cache.clear()
        this.samplers.clear()
      }
      if (this.layout === 'per_layer') {
        const rng = prng.fork()
        values = permuted(this.family.values(numExperts, numTokens, topK, rng), rng)
      } else if (this.family.random) {
        values = this.family.values(numExperts, numTokens, topK, prng.fork()).sort().reverse()
      } else {
        values = this.family.values(numExperts, numTokens, topK, prng)
      }
      this.cache.set(key, values)
    }
    return values
  }

  protected override saveMemory(): unknown {
    return Array.from(this.cache, ([key, values]) => [key, Array.from(values)])
  }

  protected override loadMemory(memory: unknown): void {
    this.cache.clear()
    this.samplers.clear()
    if (!Array.isArray(memory)) return
    for (const [key, values] of memory as [string, number[]][]) this.cache.set(key, Float64Array.from(values))
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng } = call
    const values = this.arranged(E, T, k, call.layer, prng)
    let sampler = this.samplers.get(values)
    if (!sampler) {
      sampler = createWeightedDistinctSampler(values, { parameter: this.weightsParameter })
      if (this.layout !== 'per_call') this.samplers.set(values, sampler)
    }
    if (k > sampler.support) {
      const shape = this.family.shapeParameter
      if (shape !== undefined) {
        // In float64 the values of all but `support` experts underflowed to 0: the parameter, not k, is at fault.
        throw new InvalidArgumentError({
          parameter: `${this.name}.${shape.name}`,
          value: shape.value,
          allowed: `a value that leaves at least topK = ${k} of the ${E} experts a non-zero popularity (this one leaves ${sampler.support}; make it less concentrated)`,
        })
      }
      sampler.sampleRows(prng, 0, k) // throws the typed topK error
    }
    if (this.exact) {
      assignExactCounts(apportionCounts(values, T * k, T), T, k, prng, ids)
      return
    }
    sampler.sampleRows(prng, T, k, ids)
  }
}

const TWO_POW_32 = 4294967296

/**
 * Fisher–Yates over `values` with `prng.nextInt(i + 1)` for i = n − 1 … 1, drawn faster: every step takes at least
 * one word, so the first n − 1 come in one `fillUint32` block (the same words as one by one); a word in a step's
 * rejected top block (2^32 mod (i + 1) values) is redrawn from the block's rest, then from the stream, as
 * `nextInt` redraws. Same words consumed, same permutation.
 */
export function permuted(values: Float64Array, prng: Prng): Float64Array {
  const n = values.length
  if (n < 2) return values
  const block = prng.fillUint32(new Uint32Array(n - 1))
  let w = 0
  for (let i = n - 1; i > 0; i--) {
    const m = i + 1
    let x = w < block.length ? block[w++]! : prng.nextUint32()
    // Only the top m values of the word range can fall in the rejected block: test exactly there.
    if (x >= TWO_POW_32 - m) {
      const limit = TWO_POW_32 - (TWO_POW_32 % m)
      while (x >= limit) x = w < block.length ? block[w++]! : prng.nextUint32()
    }
    const j = x % m
    const t = values[i]!
    values[i] = values[j]!
    values[j] = t
  }
  return values
}
