import type { Seed } from '@routesim/core'
import { createWeightedDistinctSampler } from '@routesim/distributions'
import type { WeightedDistinctSampler } from '@routesim/distributions'
import { createScratch, followRow } from './correlated-rows.ts'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { shuffle } from './exact-assignment.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'
import { zipfValues } from './zipf.ts'

interface LayerRows {
  readonly layer: number
  readonly ids: Int32Array
  readonly numExperts: number
  readonly topK: number
}

/**
 * Cross-layer co-activation: layer ℓ's expert e is paired with expert π_ℓ(e) of layer ℓ+1 (π_ℓ a
 * random permutation drawn on first use, or the identity); token t at layer ℓ+1 keeps each partner
 * π_ℓ(ids_ℓ[t, j]) with probability c and draws the other slots afresh (excluding the partners).
 *
 * State: the instance keeps the previous call's rows and layer. A call with `context.layer = ℓ`
 * follows them when they came from layer ℓ − 1 with the same T, E and k; otherwise (layer 0, a
 * skipped layer, new sizes) it routes independently. Route layers in order within a step.
 */
class CrossLayerStrategy extends SyntheticStrategy {
  private readonly samplers = new Map<number, WeightedDistinctSampler>()
  private readonly partners = new Map<string, Int32Array>()
  private previous: LayerRows | undefined

  constructor(
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly options: { coactivation: number; exponent: number; pairing: 'permutation' | 'identity' },
  ) {
    super('cross_layer', seed, weightOptions)
  }

  private sampler(E: number): WeightedDistinctSampler {
    let s = this.samplers.get(E)
    if (!s) {
      s = createWeightedDistinctSampler(zipfValues(E, this.options.exponent), { parameter: 'cross_layer.weights' })
      this.samplers.set(E, s)
    }
    return s
  }

  /** π_ℓ: partner in layer ℓ + 1 of each expert of layer ℓ. */
  partnerMap(layer: number, E: number, call: RoutingCall): Int32Array {
    const key = `${layer}:${E}`
    let map = this.partners.get(key)
    if (!map) {
      map = new Int32Array(E)
      for (let e = 0; e < E; e++) map[e] = e
      if (this.options.pairing === 'permutation') shuffle(map, call.prng.fork())
      this.partners.set(key, map)
    }
    return map
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng, layer } = call
    const sampler = this.sampler(E)
    const prev = this.previous
    if (prev && layer > 0 && prev.layer === layer - 1 && prev.numExperts === E && prev.topK === k && prev.ids.length === T * k) {
      const map = this.partnerMap(layer - 1, E, call)
      const reference = new Int32Array(T * k)
      for (let i = 0; i < reference.length; i++) reference[i] = map[prev.ids[i]!]!
      const scratch = createScratch(k)
      for (let t = 0; t < T; t++) followRow(sampler, prng, reference, t * k, this.options.coactivation, ids, t * k, k, scratch)
    } else {
      sampler.sampleRows(prng, T, k, ids)
    }
    this.previous = { layer, ids: ids.slice(), numExperts: E, topK: k }
  }

  protected override saveMemory(): unknown {
    return {
      previous: this.previous && { ...this.previous, ids: Array.from(this.previous.ids) },
      partners: Array.from(this.partners, ([key, m]) => [key, Array.from(m)]),
    }
  }

  protected override loadMemory(memory: unknown): void {
    const m = (memory ?? {}) as { previous?: LayerRows & { ids: number[] }; partners?: [string, number[]][] }
    this.previous = m.previous ? { ...m.previous, ids: Int32Array.from(m.previous.ids) } : undefined
    this.partners.clear()
    for (const [key, map] of m.partners ?? []) this.partners.set(key, Int32Array.from(map))
  }
}

export const crossLayerDefinition = defineSynthetic({
  name: 'cross_layer',
  description: "Cross-layer correlation: layer ℓ+1 reuses each token's co-activated partners of its layer-ℓ experts with probability c",
  parameters: {
    coactivation: { type: 'number', min: 0, max: 1, default: 0.5, description: 'c: probability each slot follows its layer-ℓ partner' },
    exponent: { type: 'number', min: 0, default: 0, description: 'zipf exponent of the base popularity for fresh draws (0 = uniform)' },
    pairing: {
      type: 'enum',
      values: ['permutation', 'identity'],
      default: 'permutation',
      description: 'partner of expert e: a random permutation per layer pair (drawn on first use) or e itself',
    },
    ...weightParameters('ones'),
  },
  source: 'ExFlow-style expert co-activation across layers; moe-balance --coact (anchors-domain §d.5)',
  formula:
    'ids_{ℓ+1}[t, j] = π_ℓ(ids_ℓ[t, j]) with prob c per slot; other slots Plackett–Luce from w_r = r^(−s) excluding the partners; shared partners ~ Binomial(k, c)',
  build: (p, seed) =>
    new CrossLayerStrategy(seed, readWeightOptions(p), {
      coactivation: p.coactivation,
      exponent: p.exponent,
      pairing: p.pairing,
    }),
})

export const createCrossLayerStrategy = factoryOf(crossLayerDefinition)
