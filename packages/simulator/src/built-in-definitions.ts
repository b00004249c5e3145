import { defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { StrategyDefinition } from '@routesim/core'
import { DistributionBasedRouting, RESOLVED } from './distribution-based-routing.ts'

const UNIFORM_PARAMETERS = defineParameters({
  replacement: {
    type: 'boolean',
    description: "i.i.d. ids with duplicates (the seed's randint); false = k distinct experts, every k-subset equally likely",
    default: false,
  },
  weights: { type: 'enum', description: "'ones' (the seed: rows sum to k) or 'mean' (1/k: rows sum to 1)", values: ['ones', 'mean'], default: 'ones' },
})

const NORMAL_PARAMETERS = defineParameters({
  mean: { type: 'number', description: 'mean of z ~ N(mean, std²)', default: 0 },
  std: { type: 'number', description: 'standard deviation of z', default: 1, min: 0, exclusiveMin: true },
  distinct: {
    type: 'boolean',
    description: 'k distinct experts, drawn without replacement from the same per-expert probabilities (the seed allows repeats)',
    default: false,
  },
})

/** The seed's `uniform_random` (DistributionBasedRouting('uniform'), constructed with mean 0, std 1 as in the seed). */
export const uniformRandomDefinition: StrategyDefinition = defineStrategy({
  name: 'uniform_random',
  description: 'k experts per token uniformly at random (distinct by default; the seed drew with replacement)',
  parameters: UNIFORM_PARAMETERS,
  source: 'vLLM routing_simulator.py (PR #21990); distinct draws per PR #43680',
  formula: 'ids = topk(rand(T, E), k) (or randint(0, E, (T, k)) with replacement); weights = 1 (or 1/k)',
  usesLogits: false,
  create(parameters, { seed }) {
    const p = resolveParameters('uniform_random', UNIFORM_PARAMETERS, parameters)
    return new DistributionBasedRouting(
      'uniform',
      { mean: 0, std: 1, replacement: p.replacement, weights: p.weights, ...(seed === undefined ? {} : { seed }) },
      RESOLVED,
    )
  },
})

/** The seed's `normal_routing` (DistributionBasedRouting('normal', mean 0, std 1)). */
export const normalRoutingDefinition: StrategyDefinition = defineStrategy({
  name: 'normal_routing',
  description: 'expert = floor(sigmoid(z)·E) with z ~ N(mean, std²); middle experts hot, edges cold (the seed)',
  parameters: NORMAL_PARAMETERS,
  source: 'vLLM routing_simulator.py (PR #21990)',
  formula:
    'ids = clamp(floor(sigmoid(z)·E), 0, E−1), z ~ N(mean, std²); weights = |z′|/Σ|z′|, z′ independent; ' +
    'P(id=j) = Φ((logit((j+1)/E)−mean)/std) − Φ((logit(j/E)−mean)/std)',
  usesLogits: false,
  create(parameters, { seed }) {
    const p = resolveParameters('normal_routing', NORMAL_PARAMETERS, parameters)
    return new DistributionBasedRouting('normal', { mean: p.mean, std: p.std, distinct: p.distinct, ...(seed === undefined ? {} : { seed }) }, RESOLVED)
  },
})

/** The simulator's own built-ins, registered first and in this order (the seed's registry). */
export const builtInDefinitions: readonly StrategyDefinition[] = [uniformRandomDefinition, normalRoutingDefinition]
