/** How a model's router turns logits into expert choices (the real-router fields of its config.json). */
export interface RoutingConfig {
  /** Routed experts per MoE layer (`n_routed_experts` / `num_experts` / `num_local_experts`). */
  readonly numExperts: number
  /** Experts per token (`num_experts_per_tok` / `experts_per_token`). */
  readonly topK: number
  /** Expert groups (`n_group`); 1 = no group-limited routing. */
  readonly numExpertGroups: number
  /** Groups kept per token (`topk_group`); 1 when there are no groups. */
  readonly topkGroup: number
  /** Score function applied to the router logits. */
  readonly scoring: 'softmax' | 'sigmoid'
  /**
   * `score_then_topk`: score all experts, then top-k (DeepSeek, Qwen3, Mixtral).
   * `topk_then_score`: top-k on raw logits, score only the chosen ones (gpt-oss: softmax over the k; Llama 4: sigmoid).
   */
  readonly order: 'score_then_topk' | 'topk_then_score'
  /** Weights renormalised to sum to 1 (`norm_topk_prob`). */
  readonly renormalize: boolean
  /** Aux-loss-free `e_score_correction_bias` added for selection only (`topk_method: noaux_tc`). */
  readonly correctionBias: boolean
  /** Multiplier on the routed weights (`routed_scaling_factor`); 1 when absent. */
  readonly routedScalingFactor: number
  /** Always-on shared experts beside the routed ones (they take no routing decision). */
  readonly sharedExperts: number
}

/** A real model's MoE shape: its routing config plus where the MoE layers sit. */
export interface ModelPreset {
  /** Registered name, kebab-case (`deepseek-v3`). */
  readonly name: string
  /** Other accepted names (`deepseek-r1`). */
  readonly aliases: readonly string[]
  readonly displayName: string
  /** Hugging Face repository whose config.json the numbers come from. */
  readonly huggingFace: string
  readonly routing: RoutingConfig
  /** Decoder layers (`num_hidden_layers`). */
  readonly numLayers: number
  /** Indices (0-based) of the decoder layers that hold an MoE block. */
  readonly moeLayerIndices: readonly number[]
  /** Leading dense layers (`first_k_dense_replace`); 0 when MoE starts at layer 0. */
  readonly firstDenseLayers: number
  /** Model width (`hidden_size`), the H of `hiddenStates [T, H]`. */
  readonly hiddenSize: number
}
