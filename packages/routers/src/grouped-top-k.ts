import { InvalidArgumentError, defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { ParametersOf } from '@routesim/core'
import type { GroupSelection, IndexDtype, RoutingResult, ShapedInput, Tensor, TopKOptions, WeightFinish } from '@routesim/core'
import { resolveCorrectionBias } from './correction-bias.ts'
import { createRouterStrategy, runRouter, softmaxScores, winnerLogits } from './router-strategy.ts'
import type { RouterPlan, RouterPlanner, Selection } from './router-strategy.ts'
import { finishScores, renormalizedSigmoidOfSelected, selectedSigmoidScores, sigmoidOfSelected, softmaxOfSelected } from './router-weights.ts'

export type GroupedTopKVariant = 'vllm' | 'hf' | 'hf_v2' | 'megatron'

export interface GroupedTopKOptions {
  /** Number of expert groups G (DeepSeek-V3: 8). Default 8. */
  readonly numExpertGroup?: number
  /** Groups kept per token (DeepSeek-V3: 4). Default 4. */
  readonly topkGroup?: number
  /** Score function. Default 'softmax' (vLLM's default; DeepSeek-V3 uses 'sigmoid'). */
  readonly scoring?: 'softmax' | 'sigmoid'
  /** Per-expert bias added to the scores for group and expert selection only. */
  readonly correctionBias?: readonly number[] | Float32Array | Float64Array
  /** Divide the k weights by their sum. Default true. */
  readonly renormalize?: boolean
  /** Multiplies the weights (when, depends on the variant). Default 1. */
  readonly routedScalingFactor?: number
  /** Whose semantics: 'vllm' (default), 'hf' (DeepSeek-V3 modeling), 'hf_v2' (DeepSeek-V2 group_limited_greedy), 'megatron'. */
  readonly variant?: GroupedTopKVariant
}

const OWNER = 'grouped_topk'

const parameters = defineParameters({
  numExpertGroup: {
    type: 'integer',
    description: 'Number of expert groups G; E must be divisible by G (vllm falls back to plain top-k otherwise).',
    default: 8,
    min: 1,
  },
  topkGroup: { type: 'integer', description: 'Groups kept per token, 1 ≤ topkGroup ≤ numExpertGroup.', default: 4, min: 1 },
  scoring: { type: 'enum', description: 'Score function applied to the logits.', default: 'softmax', values: ['softmax', 'sigmoid'] },
  correctionBias: {
    type: 'number[]',
    description: 'Per-expert bias added to the scores for selection only (e_score_correction_bias); one value per expert.',
    optional: true,
  },
  renormalize: { type: 'boolean', description: 'Divide the k selected scores by their sum (hf/megatron add 1e-20).', default: true },
  routedScalingFactor: {
    type: 'number',
    description: 'Multiplies the weights; when depends on the variant. At most 1e6 so float32 weights stay finite.',
    default: 1,
    min: 0,
    exclusiveMin: true,
    max: 1e6,
  },
  variant: {
    type: 'enum',
    description:
      "vllm: group score max (top-2 sum with bias), -inf mask, no epsilon, scale after renorm; hf: DeepSeek-V3 (top-2 sum of score+bias, 0 mask, +1e-20, always scale); hf_v2: DeepSeek-V2 (max, 0 mask, +1e-20, scale only without renorm); megatron: sum of each group's top k//topkGroup, -inf mask, softmax over selected logits or sigmoid/(Σ+1e-20).",
    default: 'vllm',
    values: ['vllm', 'hf', 'hf_v2', 'megatron'],
  },
})

type Resolved = ParametersOf<typeof parameters>

function fail(parameter: string, value: unknown, allowed: string): never {
  throw new InvalidArgumentError({ parameter, value, allowed })
}

function checkCombination(p: Resolved): void {
  if (p.topkGroup > p.numExpertGroup) {
    fail(`${OWNER}.topkGroup`, p.topkGroup, `an integer in [1, ${p.numExpertGroup}] (at most numExpertGroup)`)
  }
  if (p.variant === 'hf_v2' && p.correctionBias !== undefined) {
    fail(`${OWNER}.correctionBias`, p.correctionBias, "undefined for variant 'hf_v2' (DeepSeek-V2 has no correction bias)")
  }
  if (p.variant === 'megatron' && !p.renormalize) {
    fail(`${OWNER}.renormalize`, false, "true for variant 'megatron' (Megatron always normalizes the selected scores)")
  }
  if (p.variant === 'megatron' && p.scoring === 'softmax' && p.correctionBias !== undefined) {
    fail(
      `${OWNER}.correctionBias`,
      p.correctionBias,
      "undefined for variant 'megatron' with softmax scoring (Megatron applies the expert bias with sigmoid only)",
    )
  }
}

/** E must split into G equal groups (of at least `minSize` experts) for every variant but vllm. */
function checkGroups(p: Resolved, numExperts: number, minSize: number): number {
  const G = p.numExpertGroup
  if (numExperts % G !== 0 || numExperts / G < minSize) {
    fail(
      `${OWNER}.numExpertGroup`,
      G,
      `a divisor of E = ${numExperts} leaving groups of at least ${minSize} expert${minSize > 1 ? 's' : ''} (variant '${p.variant}' has no fallback)`,
    )
  }
  return numExperts / G
}

function checkEligible(k: number, p: Resolved, groupSize: number): void {
  const eligible = p.topkGroup * groupSize
  if (k > eligible) {
    fail('topK', k, `an integer in [1, ${eligible}] (only topkGroup × E/G = ${p.topkGroup} × ${groupSize} experts are eligible)`)
  }
}

function plan(topK: TopKOptions, finish: (s: Selection) => Float32Array, weightFinish?: WeightFinish): RouterPlan {
  return { topK, finishWeights: finish, weightFinish }
}

function scoresOf(p: Resolved, s: Selection): Float64Array {
  return p.scoring === 'sigmoid' ? selectedSigmoidScores(winnerLogits(s)) : Float64Array.from(softmaxScores(s))
}

function vllmPlan(p: Resolved, numExperts: number, k: number, bias: Float32Array | undefined): RouterPlan {
  const G = p.numExpertGroup
  let grouping: GroupSelection | undefined
  // vLLM falls back to fused_topk(_bias) when the experts do not split into G groups of ≥ 2.
  if (numExperts > G && numExperts % G === 0) {
    checkEligible(k, p, numExperts / G)
    grouping = { numGroups: G, topkGroup: p.topkGroup, groupScore: bias ? 'top2_sum' : 'max' }
  }
  const scale = p.routedScalingFactor
  const needScores = p.scoring === 'softmax' && !p.renormalize
  const topK: TopKOptions = { k, scoring: p.scoring, ...(bias ? { bias } : {}), ...(grouping ? { grouping } : {}), needWeights: false, normalizer: needScores }
  return plan(
    topK,
    (s) => {
      const out = new Float32Array(s.ids.length)
      if (p.scoring === 'softmax') {
        if (p.renormalize) softmaxOfSelected(winnerLogits(s), s.k, scale, out)
        else finishScores(Float64Array.from(softmaxScores(s)), s.k, false, 0, scale, out)
      } else if (p.renormalize) renormalizedSigmoidOfSelected(winnerLogits(s), s.k, scale, out)
      else sigmoidOfSelected(winnerLogits(s), scale, out)
      return out
    },
    { score: p.scoring, normalize: p.renormalize, epsilon: 0, scale },
  )
}

/**
 * DeepSeek-V2 takes its weights from the masked scores, so an expert of a dropped group (picked only when
 * k > topkGroup × E/G) weighs 0. The kept groups are those with the largest max logit (σ and softmax are
 * increasing), ties → lower group id, as the kernel chose them.
 */
function zeroDroppedGroupScores(p: Resolved, s: Selection, scores: Float64Array): void {
  const G = p.numExpertGroup
  const size = s.cols / G
  const groupMax = new Float64Array(G)
  const kept = new Uint8Array(G)
  for (let r = 0; r < s.rows; r++) {
    const base = r * s.cols
    for (let g = 0; g < G; g++) {
      let m = -Infinity
      for (let j = g * size; j < (g + 1) * size; j++) m = Math.max(m, s.logits[base + j]!)
      groupMax[g] = m
    }
    kept.fill(0)
    for (let t = 0; t < p.topkGroup; t++) {
      let best = -1
      for (let g = 0; g < G; g++) if (kept[g] === 0 && (best < 0 || groupMax[g]! > groupMax[best]!)) best = g
      kept[best] = 1
    }
    for (let i = 0; i < s.k; i++) if (kept[Math.floor(s.ids[r * s.k + i]! / size)] === 0) scores[r * s.k + i] = 0
  }
}

function hfPlan(p: Resolved, numExperts: number, k: number, bias: Float32Array | undefined): RouterPlan {
  const v3 = p.variant === 'hf'
  const groupSize = checkGroups(p, numExperts, v3 ? 2 : 1)
  const picksDropped = k > p.topkGroup * groupSize
  const grouping: GroupSelection = { numGroups: p.numExpertGroup, topkGroup: p.topkGroup, groupScore: v3 ? 'top2_sum' : 'max', maskValue: 0 }
  const topK: TopKOptions = { k, scoring: p.scoring, ...(bias ? { bias } : {}), grouping, needWeights: false, normalizer: p.scoring === 'softmax' }
  return plan(
    topK,
    (s) => {
      const out = new Float32Array(s.ids.length)
      const scores = scoresOf(p, s)
      if (!v3 && picksDropped) zeroDroppedGroupScores(p, s, scores)
      if (v3) finishScores(scores, s.k, p.renormalize, 1e-20, p.routedScalingFactor, out)
      // DeepSeek-V2: normalize when k > 1 and asked, otherwise scale (never both).
      else if (s.k > 1 && p.renormalize) finishScores(scores, s.k, true, 1e-20, 1, out)
      else finishScores(scores, s.k, false, 0, p.routedScalingFactor, out)
      return out
    },
    hfWeightFinish(p, k, picksDropped),
  )
}

/** The hf variants' rule as data; DeepSeek-V2's zeroed dropped-group picks do not fit it. */
function hfWeightFinish(p: Resolved, k: number, picksDropped: boolean): WeightFinish | undefined {
  if (p.variant === 'hf') return { score: p.scoring, normalize: p.renormalize, epsilon: p.renormalize ? 1e-20 : 0, scale: p.routedScalingFactor }
  if (picksDropped) return undefined
  if (k > 1 && p.renormalize) return { score: p.scoring, normalize: true, epsilon: 1e-20, scale: 1 }
  return { score: p.scoring, normalize: false, epsilon: 0, scale: p.routedScalingFactor }
}

function megatronPlan(p: Resolved, numExperts: number, k: number, bias: Float32Array | undefined): RouterPlan {
  const groupSize = checkGroups(p, numExperts, 1)
  const n = Math.floor(k / p.topkGroup)
  if (n < 1) fail('topK', k, `an integer ≥ topkGroup = ${p.topkGroup} (Megatron scores a group by the sum of its top k // topkGroup)`)
  if (n > groupSize) fail('topK', k, `an integer with k // topkGroup ≤ group size ${groupSize}`)
  checkEligible(k, p, groupSize)
  const grouping: GroupSelection = { numGroups: p.numExpertGroup, topkGroup: p.topkGroup, groupScore: 'topn_sum', groupTopN: n }
  const scale = p.routedScalingFactor
  if (p.scoring === 'softmax') {
    // use_pre_softmax = false: groups and experts chosen on the raw logits, then softmax over the k selected.
    return plan(
      { k, scoring: 'logits', grouping, needWeights: false },
      (s) => {
        const out = new Float32Array(s.ids.length)
        softmaxOfSelected(winnerLogits(s), s.k, scale, out)
        return out
      },
      { score: 'softmax', normalize: true, epsilon: 0, scale },
    )
  }
  return plan(
    { k, scoring: 'sigmoid', ...(bias ? { bias } : {}), grouping, needWeights: false },
    (s) => {
      const out = new Float32Array(s.ids.length)
      finishScores(selectedSigmoidScores(winnerLogits(s)), s.k, s.k > 1, 1e-20, scale, out)
      return out
    },
    { score: 'sigmoid', normalize: k > 1, epsilon: k > 1 ? 1e-20 : 0, scale },
  )
}

/** DeepSeek-V2/V3 grouped top-k, with the semantics of the chosen variant. */
export function groupedTopKPlanner(options: GroupedTopKOptions = {}): RouterPlanner {
  const p = resolveParameters(OWNER, parameters, options)
  checkCombination(p)
  return (numExperts, k) => {
    const bias = resolveCorrectionBias(OWNER, p.correctionBias, numExperts)
    if (p.variant === 'vllm') return vllmPlan(p, numExperts, k, bias)
    if (p.variant === 'megatron') return megatronPlan(p, numExperts, k, bias)
    return hfPlan(p, numExperts, k, bias)
  }
}

/**
 * Grouped top-k (DeepSeek): score, pick the best `topkGroup` of `numExpertGroup` groups, top-k inside them.
 *
 * @example
 * groupedTopK(logits, 8, { numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', correctionBias, routedScalingFactor: 2.5 })
 */
export function groupedTopK(routerLogits: Tensor | ShapedInput, topK: number, options: GroupedTopKOptions & { indicesType?: IndexDtype } = {}): RoutingResult {
  const { indicesType, ...rest } = options
  return runRouter(groupedTopKPlanner(rest), routerLogits, topK, indicesType)
}

export const groupedTopKDefinition = defineStrategy<Resolved>({
  name: 'grouped_topk',
  description: 'DeepSeek grouped top-k: keep the best topkGroup of numExpertGroup expert groups, then top-k inside them.',
  parameters,
  source:
    'vLLM grouped_topk_router.py @055e47c2; HF modeling_deepseek_v3.py @00b676f8 and DeepSeek-V2 group_limited_greedy; Megatron-Core moe_utils.group_limited_topk',
  formula:
    's = softmax(l) | σ(l); g = groupScore(s + bias) per group; keep topk(g, topkGroup); mask others (−inf | 0); ids = topk(masked s + bias, k); w = s[ids]; renormalize; × routedScalingFactor',
  usesLogits: true,
  create: (params) => createRouterStrategy(groupedTopKPlanner(params), { router: 'grouped_topk', params }),
})
