import { InvalidArgumentError, checkAllocation, indexArrayToInt32, resolveParameters } from '@routesim/core'
import type { Prng, RoutingStrategy, Seed } from '@routesim/core'
import { routerDefinitions } from '@routesim/routers'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

/** The names of the real routers a logit strategy can run (from `@routesim/routers`). */
export const ROUTER_NAMES: readonly string[] = routerDefinitions.map((d) => d.name)

/** Builds a real router by name with its default parameters. */
export function createRouterByName(owner: string, name: string, seed: Seed | undefined): RoutingStrategy {
  const definition = routerDefinitions.find((d) => d.name === name)
  if (!definition) {
    throw new InvalidArgumentError({ parameter: `${owner}.router`, value: name, allowed: ROUTER_NAMES.map((n) => `'${n}'`).join(', ') })
  }
  return definition.create(resolveParameters(name, definition.parameters, {}), seed === undefined ? {} : { seed })
}

type LogitGenerator = (logits: Float32Array, call: RoutingCall, prng: Prng) => void

/**
 * Generates synthetic logits `[T, E]` (ignoring the given values; only their shape is read) and
 * routes them through a real router, so skew flows through the router's own selection and weights.
 */
class LogitStrategy extends SyntheticStrategy {
  private readonly router: RoutingStrategy

  constructor(
    name: string,
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    routerName: string,
    private readonly generate: LogitGenerator,
    private readonly memory?: { save(): unknown; load(m: unknown): void },
  ) {
    super(name, seed, weightOptions)
    this.router = createRouterByName(name, routerName, seed)
  }

  protected route(call: RoutingCall, ids: Int32Array): Float32Array {
    const { numTokens: T, numExperts: E, topK: k, prng } = call
    // The [T, E] logits plus the router's [T, k] weights and ids, refused before any is allocated.
    checkAllocation('numTokens × numExperts', [
      [T * E, 4],
      [T * k, 4],
      [T * k, 4],
    ])
    const logits = new Float32Array(T * E)
    this.generate(logits, call, prng)
    const [weights, routed] = this.router.routeTokens(call.hiddenStates, { data: logits, shape: [T, E] }, k, 'int32')
    ids.set(indexArrayToInt32(routed.data))
    return weights.data
  }

  protected override saveMemory(): unknown {
    return this.memory?.save()
  }

  protected override loadMemory(memory: unknown): void {
    this.memory?.load(memory)
  }
}

const routerParameter = {
  router: {
    type: 'enum',
    values: ROUTER_NAMES,
    default: 'softmax_topk',
    description: 'the real router the synthetic logits go through (default parameters)',
  },
} as const

export const logitBiasDefinition = defineSynthetic({
  name: 'logit_bias',
  description: 'Megatron force_biased: N(0,1) logits plus a per-expert N(0, std) bias, routed by a real router',
  parameters: {
    std: {
      type: 'number',
      min: 0,
      max: 1e6,
      default: 1,
      description: 'standard deviation of the per-expert bias (skew grows with it); at most 1e6 so float32 logits stay finite',
    },
    fixedPerLayer: {
      type: 'boolean',
      default: false,
      description: "keep one bias per context.layer (Megatron's std < 0) instead of redrawing it every call",
    },
    ...routerParameter,
    ...weightParameters('router'),
  },
  source: 'Megatron-Core moe_utils.py (force_load_balancing: logits ~ N(0,1); force_biased = std: logits + b, b ~ N(0, |std|))',
  formula: 'l[t, e] = z[t, e] + b[e], z ~ N(0, 1), b ~ N(0, std²) per expert; ids, weights = router(l)',
  usesLogits: false,
  build: (p, seed) => {
    const std = p.std
    const fixed = p.fixedPerLayer
    const biases = new Map<string, Float64Array>()
    const biasFor = (layer: number, E: number, prng: Prng): Float64Array => {
      const key = `${layer}:${E}`
      let b = fixed ? biases.get(key) : undefined
      if (!b) {
        b = new Float64Array(E)
        for (let e = 0; e < E; e++) b[e] = std * prng.nextNormal()
        if (fixed) biases.set(key, b)
      }
      return b
    }
    return new LogitStrategy(
      'logit_bias',
      seed,
      readWeightOptions(p),
      p.router,
      (logits, call, prng) => {
        const E = call.numExperts
        const b = biasFor(call.layer, E, prng)
        for (let i = 0; i < logits.length; i++) logits[i] = prng.nextNormal() + b[i % E]!
      },
      {
        save: () => Array.from(biases, ([key, b]) => [key, Array.from(b)]),
        load: (m) => {
          biases.clear()
          if (Array.isArray(m)) for (const [key, b] of m as [string, number[]][]) biases.set(key, Float64Array.from(b))
        },
      },
    )
  },
})

export const randomLogitsDefinition = defineSynthetic({
  name: 'random_logits',
  description: 'SGLang fake dispatch: logits ~ U(low, high) (default 5..10) routed by a real router',
  parameters: {
    low: { type: 'number', min: -1e30, max: 1e30, default: 5, description: 'lower bound of the uniform logits' },
    high: { type: 'number', min: -1e30, max: 1e30, default: 10, description: 'upper bound of the uniform logits (> low)' },
    ...routerParameter,
    ...weightParameters('router'),
  },
  source: "SGLang expert_location_dispatch.py ('fake': router_logits.uniform_(5, 10), correction bias zeroed)",
  formula: 'l[t, e] ~ U(low, high) i.i.d.; ids, weights = router(l)',
  usesLogits: false,
  build: (p, seed) => {
    const low = p.low
    const high = p.high
    if (!(high > low)) {
      throw new InvalidArgumentError({ parameter: 'random_logits.high', value: high, allowed: `a finite number > low (${low})` })
    }
    const span = high - low
    return new LogitStrategy('random_logits', seed, readWeightOptions(p), p.router, (logits, _call, prng) => {
      for (let i = 0; i < logits.length; i++) logits[i] = low + span * prng.nextDouble()
    })
  },
})

export const createLogitBiasStrategy = factoryOf(logitBiasDefinition)
export const createRandomLogitsStrategy = factoryOf(randomLogitsDefinition)
