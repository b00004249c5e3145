import { InvalidArgumentError } from '@routesim/core'
import type { Seed } from '@routesim/core'
import { createWeightedDistinctSampler } from '@routesim/distributions'
import type { WeightedDistinctSampler } from '@routesim/distributions'
import { createScratch, followRow } from './correlated-rows.ts'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'
import { zipfValues } from './zipf.ts'

type SequenceMode = 'contiguous' | 'decode'

/**
 * Markov stickiness along a sequence: token t+1 keeps each of token t's experts (same slot) with
 * probability p and draws the rest from the base popularity (zipf exponent, expert 0 hottest),
 * excluding token t's experts. `contiguous`: a call holds sequences of `sequenceLength` tokens;
 * `decode`: token t of this call continues token t of the previous call at the same layer.
 */
class StickyStrategy extends SyntheticStrategy {
  private readonly samplers = new Map<number, WeightedDistinctSampler>()
  /** decode mode: last rows per layer. */
  private readonly last = new Map<number, { ids: Int32Array; numExperts: number; topK: number }>()

  constructor(
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly options: { stickiness: number; exponent: number; sequenceLength: number | undefined; mode: SequenceMode },
  ) {
    super('sticky', seed, weightOptions)
  }

  private sampler(E: number): WeightedDistinctSampler {
    let s = this.samplers.get(E)
    if (!s) {
      s = createWeightedDistinctSampler(zipfValues(E, this.options.exponent), { parameter: 'sticky.weights' })
      this.samplers.set(E, s)
    }
    return s
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k, prng, layer } = call
    const sampler = this.sampler(E)
    const scratch = createScratch(k)
    const p = this.options.stickiness
    if (this.options.mode === 'decode') {
      const prev = this.last.get(layer)
      const usable = prev && prev.numExperts === E && prev.topK === k && prev.ids.length === T * k
      for (let t = 0; t < T; t++) {
        if (usable) followRow(sampler, prng, prev.ids, t * k, p, ids, t * k, k, scratch)
        else sampler.sampleRow(prng, ids, t * k, k)
      }
      this.last.set(layer, { ids: ids.slice(), numExperts: E, topK: k })
      return
    }
    const L = this.options.sequenceLength ?? Math.max(T, 1)
    for (let t = 0; t < T; t++) {
      if (t % L === 0) sampler.sampleRow(prng, ids, t * k, k)
      else followRow(sampler, prng, ids, (t - 1) * k, p, ids, t * k, k, scratch)
    }
  }

  protected override saveMemory(): unknown {
    return Array.from(this.last, ([layer, v]) => [layer, { ids: Array.from(v.ids), numExperts: v.numExperts, topK: v.topK }])
  }

  protected override loadMemory(memory: unknown): void {
    this.last.clear()
    if (!Array.isArray(memory)) return
    for (const [layer, v] of memory as [number, { ids: number[]; numExperts: number; topK: number }][]) {
      this.last.set(layer, { ids: Int32Array.from(v.ids), numExperts: v.numExperts, topK: v.topK })
    }
  }
}

export const stickyDefinition = defineSynthetic({
  name: 'sticky',
  description: 'Temporal locality: consecutive tokens of a sequence keep each expert with probability p (Markov), else draw afresh',
  parameters: {
    stickiness: { type: 'number', min: 0, max: 1, default: 0.5, description: 'p: probability a token keeps each expert of the previous token' },
    exponent: { type: 'number', min: 0, default: 0, description: 'zipf exponent of the base popularity for fresh draws (0 = uniform)' },
    sequenceLength: {
      type: 'integer',
      min: 1,
      optional: true,
      description: "tokens per sequence in 'contiguous' mode (default: the whole call is one sequence)",
    },
    mode: {
      type: 'enum',
      values: ['contiguous', 'decode'],
      default: 'contiguous',
      description: "'contiguous': sequences are consecutive tokens of a call; 'decode': token t continues token t of the previous call at the same layer",
    },
    ...weightParameters('ones'),
  },
  source: 'Mixtral paper §5 (arXiv 2401.04088): consecutive tokens often share experts; moe-balance-style Markov locality',
  formula:
    'row_{t+1}[j] = row_t[j] with prob p, independently per slot; remaining slots: Plackett–Luce from w_r = r^(−s) excluding row_t; shared experts ~ Binomial(k, p)',
  build: (p, seed) => {
    const mode = p.mode
    if (mode === 'decode' && p.sequenceLength !== undefined) {
      throw new InvalidArgumentError({
        parameter: 'sticky.sequenceLength',
        value: p.sequenceLength,
        allowed: "left out in 'decode' mode (each call holds one token per sequence)",
      })
    }
    return new StickyStrategy(seed, readWeightOptions(p), {
      stickiness: p.stickiness,
      exponent: p.exponent,
      sequenceLength: p.sequenceLength,
      mode,
    })
  },
})

export const createStickyStrategy = factoryOf(stickyDefinition)
