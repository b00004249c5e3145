import type { ModelPreset } from './model-preset.ts'

/** Layers [first, total) — every layer after the leading dense ones is MoE. */
function fromLayer(first: number, total: number): number[] {
  return Array.from({ length: total - first }, (_, i) => first + i)
}

/** Llama 4: layer i is MoE iff (i + 1) % interleave_moe_layer_step === 0 (HF `Llama4TextConfig.moe_layers`). */
function interleaved(step: number, total: number): number[] {
  return Array.from({ length: total }, (_, i) => i).filter((i) => (i + 1) % step === 0)
}

/** Freezes presets and everything in them (routing, aliases, layer lists): shared by every caller. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

/**
 * The built-in model presets. Every number is the model's published config.json value; the source
 * of each is cited beside it. Frozen: callers read, never mutate.
 */
export const MODEL_PRESETS: readonly ModelPreset[] = deepFreeze([
  // https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json (DeepSeek-R1 shares the architecture:
  // https://huggingface.co/deepseek-ai/DeepSeek-R1/blob/main/config.json): n_routed_experts 256, num_experts_per_tok 8,
  // n_group 8, topk_group 4, scoring_func sigmoid, topk_method noaux_tc, norm_topk_prob true,
  // routed_scaling_factor 2.5, n_shared_experts 1, num_hidden_layers 61, first_k_dense_replace 3, hidden_size 7168.
  {
    name: 'deepseek-v3',
    aliases: ['deepseek-r1', 'deepseek-v3-0324', 'deepseek-r1-0528'],
    displayName: 'DeepSeek-V3 / R1',
    huggingFace: 'deepseek-ai/DeepSeek-V3',
    routing: {
      numExperts: 256,
      topK: 8,
      numExpertGroups: 8,
      topkGroup: 4,
      scoring: 'sigmoid',
      order: 'score_then_topk',
      renormalize: true,
      correctionBias: true,
      routedScalingFactor: 2.5,
      sharedExperts: 1,
    },
    numLayers: 61,
    moeLayerIndices: fromLayer(3, 61),
    firstDenseLayers: 3,
    hiddenSize: 7168,
  },
  // https://huggingface.co/moonshotai/Kimi-K2-Instruct/blob/main/config.json: n_routed_experts 384,
  // num_experts_per_tok 8, n_group 1, topk_group 1, scoring_func sigmoid, topk_method noaux_tc, norm_topk_prob true,
  // routed_scaling_factor 2.827, n_shared_experts 1, num_hidden_layers 61, first_k_dense_replace 1, hidden_size 7168.
  {
    name: 'kimi-k2',
    aliases: ['kimi-k2-instruct', 'kimi-k2-base'],
    displayName: 'Kimi-K2',
    huggingFace: 'moonshotai/Kimi-K2-Instruct',
    routing: {
      numExperts: 384,
      topK: 8,
      numExpertGroups: 1,
      topkGroup: 1,
      scoring: 'sigmoid',
      order: 'score_then_topk',
      renormalize: true,
      correctionBias: true,
      routedScalingFactor: 2.827,
      sharedExperts: 1,
    },
    numLayers: 61,
    moeLayerIndices: fromLayer(1, 61),
    firstDenseLayers: 1,
    hiddenSize: 7168,
  },
  // https://huggingface.co/Qwen/Qwen3-235B-A22B/blob/main/config.json: num_experts 128, num_experts_per_tok 8,
  // norm_topk_prob true, decoder_sparse_step 1, mlp_only_layers [], num_hidden_layers 94, hidden_size 4096;
  // softmax router (Qwen3MoeSparseMoeBlock), no shared expert.
  {
    name: 'qwen3-235b-a22b',
    aliases: ['qwen3-235b'],
    displayName: 'Qwen3-235B-A22B',
    huggingFace: 'Qwen/Qwen3-235B-A22B',
    routing: {
      numExperts: 128,
      topK: 8,
      numExpertGroups: 1,
      topkGroup: 1,
      scoring: 'softmax',
      order: 'score_then_topk',
      renormalize: true,
      correctionBias: false,
      routedScalingFactor: 1,
      sharedExperts: 0,
    },
    numLayers: 94,
    moeLayerIndices: fromLayer(0, 94),
    firstDenseLayers: 0,
    hiddenSize: 4096,
  },
  // https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/config.json: num_experts 128, num_experts_per_tok 8,
  // norm_topk_prob true, decoder_sparse_step 1, mlp_only_layers [], num_hidden_layers 48, hidden_size 2048.
  {
    name: 'qwen3-30b-a3b',
    aliases: ['qwen3-30b'],
    displayName: 'Qwen3-30B-A3B',
    huggingFace: 'Qwen/Qwen3-30B-A3B',
    routing: {
      numExperts: 128,
      topK: 8,
      numExpertGroups: 1,
      topkGroup: 1,
      scoring: 'softmax',
      order: 'score_then_topk',
      renormalize: true,
      correctionBias: false,
      routedScalingFactor: 1,
      sharedExperts: 0,
    },
    numLayers: 48,
    moeLayerIndices: fromLayer(0, 48),
    firstDenseLayers: 0,
    hiddenSize: 2048,
  },
  // https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json: num_local_experts 8,
  // num_experts_per_tok 2, num_hidden_layers 32, hidden_size 4096; MixtralSparseMoeBlock: softmax, top-2, renormalise.
  {
    name: 'mixtral-8x7b',
    aliases: ['mixtral'],
    displayName: 'Mixtral-8x7B',
    huggingFace: 'mistralai/Mixtral-8x7B-v0.1',
    routing: {
      numExperts: 8,
      topK: 2,
      numExpertGroups: 1,
      topkGroup: 1,
      scoring: 'softmax',
      order: 'score_then_topk',
      renormalize: true,
      correctionBias: false,
      routedScalingFactor: 1,
      sharedExperts: 0,
    },
    numLayers: 32,
    moeLayerIndices: fromLayer(0, 32),
    firstDenseLayers: 0,
    hiddenSize: 4096,
  },
  // https://huggingface.co/openai/gpt-oss-120b/blob/main/config.json: num_local_experts 128, experts_per_token 4,
  // num_hidden_layers 36, hidden_size 2880; GptOssTopKRouter: top-k on the (biased) logits, softmax over the k chosen.
  {
    name: 'gpt-oss-120b',
    aliases: ['gpt-oss'],
    displayName: 'gpt-oss-120b',
    huggingFace: 'openai/gpt-oss-120b',
    routing: {
      numExperts: 128,
      topK: 4,
      numExpertGroups: 1,
      topkGroup: 1,
      scoring: 'softmax',
      order: 'topk_then_score',
      renormalize: true,
      correctionBias: false,
      routedScalingFactor: 1,
      sharedExperts: 0,
    },
    numLayers: 36,
    moeLayerIndices: fromLayer(0, 36),
    firstDenseLayers: 0,
    hiddenSize: 2880,
  },
  // https://huggingface.co/meta-llama/Llama-4-Maverick-17B-128E-Instruct/blob/main/config.json (text_config):
  // num_local_experts 128, num_experts_per_tok 1, num_hidden_layers 48, interleave_moe_layer_step 2, hidden_size 5120;
  // Llama4TextMoe: top-1 on raw logits, sigmoid of the chosen logit, plus one shared expert.
  {
    name: 'llama-4-maverick',
    aliases: ['llama4-maverick', 'llama-4-maverick-17b-128e'],
    displayName: 'Llama-4-Maverick-17B-128E',
    huggingFace: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct',
    routing: {
      numExperts: 128,
      topK: 1,
      numExpertGroups: 1,
      topkGroup: 1,
      scoring: 'sigmoid',
      order: 'topk_then_score',
      renormalize: false,
      correctionBias: false,
      routedScalingFactor: 1,
      sharedExperts: 1,
    },
    numLayers: 48,
    moeLayerIndices: interleaved(2, 48),
    firstDenseLayers: 1,
    hiddenSize: 5120,
  },
] satisfies ModelPreset[])
