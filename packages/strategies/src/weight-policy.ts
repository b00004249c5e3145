import { InvalidArgumentError, assertFiniteLogits, checkLimit } from '@routesim/core'
import type { ParameterSpecs, Prng, ShapedInput, Tensor } from '@routesim/core'
import { sampleSymmetricDirichlet } from '@routesim/distributions'

/**
 * How a synthetic strategy fills `topkWeights`:
 * - `ones`: every weight 1 (the seed's `uniform_random`; rows sum to k);
 * - `mean`: every weight 1/k (SGLang, TRT-LLM; rows sum to 1);
 * - `dirichlet`: each row ~ Dirichlet(weightConcentration · 1_k) (rows sum to 1);
 * - `router`: the router's own weights — for synthetic ids, softmax of the given router logits over
 *   the k chosen experts (what `softmax_topk` with renormalisation returns for those ids); logit
 *   strategies return the weights of the router they run.
 */
export type WeightPolicy = 'ones' | 'mean' | 'dirichlet' | 'router'
export const WEIGHT_POLICIES: readonly WeightPolicy[] = ['ones', 'mean', 'dirichlet', 'router']

export interface WeightOptions {
  readonly weightPolicy: WeightPolicy
  readonly weightConcentration: number
}

/** The two weight parameters every synthetic strategy takes. */
export function weightParameters(defaultPolicy: WeightPolicy) {
  return {
    weightPolicy: {
      type: 'enum' as const,
      values: WEIGHT_POLICIES,
      default: defaultPolicy,
      description:
        "topkWeights: 'ones' (seed, rows sum to k), 'mean' (1/k), 'dirichlet' (rows ~ Dirichlet(weightConcentration)), 'router' (router weights: softmax of the logits over the chosen ids)",
    },
    weightConcentration: {
      type: 'number' as const,
      min: 0,
      exclusiveMin: true,
      default: 1,
      description: "Dirichlet concentration for weightPolicy 'dirichlet' (1 = uniform on the simplex)",
    },
  } satisfies ParameterSpecs
}

export function readWeightOptions(parameters: WeightOptions): WeightOptions {
  return { weightPolicy: parameters.weightPolicy, weightConcentration: parameters.weightConcentration }
}

/** Softmax of each row's logits over its chosen ids (renormalised over the k chosen). */
function routerWeights(ids: Int32Array, rows: number, k: number, logits: Tensor | ShapedInput, out: Float32Array): void {
  const data = logits.data
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new InvalidArgumentError({
      parameter: 'routerLogits.data',
      value: data,
      allowed: "a Float32Array or Float64Array of logits (weightPolicy 'router' reads them)",
    })
  }
  const cols = logits.shape[1]!
  assertFiniteLogits('routerLogits', data, cols)
  for (let r = 0; r < rows; r++) {
    const base = r * k
    let max = -Infinity
    for (let j = 0; j < k; j++) max = Math.max(max, data[r * cols + ids[base + j]!]!)
    let sum = 0
    for (let j = 0; j < k; j++) {
      const e = Math.exp(data[r * cols + ids[base + j]!]! - max)
      out[base + j] = e
      sum += e
    }
    for (let j = 0; j < k; j++) out[base + j] = out[base + j]! / sum
  }
}

/**
 * Fills the `[rows, k]` weights for `ids` by the policy. `routerOutput` is what a strategy that runs
 * a real router computed (used by 'router' when present).
 */
export function fillWeights(
  options: WeightOptions,
  ids: Int32Array,
  rows: number,
  k: number,
  logits: Tensor | ShapedInput,
  prng: Prng,
  routerOutput?: Float32Array,
  into?: Float32Array,
): Float32Array {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: 'WeightOptions from readWeightOptions' })
  if (options.weightPolicy === 'router' && routerOutput) return routerOutput
  checkLimit('rows', rows, 'maxTokens', 0)
  checkLimit('k', k, 'maxTopK', 1)
  const out = into ?? new Float32Array(rows * k)
  switch (options.weightPolicy) {
    case 'ones':
      out.fill(1)
      break
    case 'mean':
      out.fill(1 / k)
      break
    case 'dirichlet':
      for (let r = 0; r < rows; r++) sampleSymmetricDirichlet(prng, options.weightConcentration, k, out, r * k)
      break
    case 'router':
      routerWeights(ids, rows, k, logits, out)
      break
  }
  return out
}
