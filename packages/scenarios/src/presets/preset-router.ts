import { InvalidArgumentError } from '@routesim/core'
import type { StrategyChoice } from '../scenario/scenario.ts'
import type { ModelPreset } from './model-preset.ts'

/**
 * The `@routesim/routers` strategy (name + parameters) that routes like the preset's model:
 * DeepSeek-style group-limited sigmoid with a (zero) correction bias → `grouped_topk`; sigmoid with a
 * bias and no groups (Kimi-K2) → `sigmoid_topk`; softmax top-k (Qwen3, Mixtral, and gpt-oss, whose
 * softmax over the k top logits picks the same experts with the same weights) → `softmax_topk`;
 * Llama 4 → `llama4_topk`. The bias is all zeros: a trained checkpoint's values are not public config.
 */
export function presetRouter(preset: ModelPreset): StrategyChoice {
  if (typeof preset?.routing !== 'object' || preset.routing === null)
    throw new InvalidArgumentError({ parameter: 'preset', value: preset, allowed: 'a model preset (see MODEL_PRESETS)' })
  const r = preset.routing
  const bias = r.correctionBias ? { correctionBias: new Array<number>(r.numExperts).fill(0) } : {}
  if (r.order === 'topk_then_score' && r.scoring === 'sigmoid') return { name: 'llama4_topk', params: {} }
  if (r.numExpertGroups > 1) {
    return {
      name: 'grouped_topk',
      params: {
        numExpertGroup: r.numExpertGroups,
        topkGroup: r.topkGroup,
        scoring: r.scoring,
        ...bias,
        renormalize: r.renormalize,
        routedScalingFactor: r.routedScalingFactor,
      },
    }
  }
  if (r.scoring === 'sigmoid') {
    return { name: 'sigmoid_topk', params: { renormalize: r.renormalize, ...bias, routedScalingFactor: r.routedScalingFactor } }
  }
  return { name: 'softmax_topk', params: { renormalize: r.renormalize } }
}
