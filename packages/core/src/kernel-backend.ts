export type MaybePromise<T> = T | Promise<T>

/** How a router turns logits into scores before selection. */
export type ScoringFunction = 'softmax' | 'sigmoid' | 'logits'

export interface GroupSelection {
  readonly numGroups: number
  readonly topkGroup: number
  /** 'max' (DeepSeek-V2/vLLM without bias) or 'top2_sum' (DeepSeek-V3 with a correction bias). */
  readonly groupScore: 'max' | 'top2_sum'
}

export interface TopKOptions {
  readonly k: number
  readonly scoring: ScoringFunction
  /** Per-expert bias added to scores for selection only (DeepSeek-V3 `e_score_correction_bias`). */
  readonly bias?: Float32Array | undefined
  readonly grouping?: GroupSelection | undefined
}

/** Row-major `[rows, k]`: ids by descending selection value (ties → lower id); weights are the unbiased scores. */
export interface TopKOutput {
  readonly ids: Int32Array
  readonly weights: Float32Array
}

export type SamplingKind = 'uniform_iid' | 'uniform_distinct' | 'categorical_distinct'

export interface SampleIdsOptions {
  readonly kind: SamplingKind
  readonly rows: number
  readonly numExperts: number
  readonly k: number
  /** Per-expert non-negative weights for `categorical_distinct` (Plackett–Luce without replacement). */
  readonly weights?: Float64Array | undefined
  /** Seed for this call; backends with their own seeded stream advance it per call. */
  readonly seed: number
}

/**
 * The hot kernels of routing. The reference backend (plain TypeScript, in core) is the truth;
 * every faster backend is tested against it by one conformance suite.
 */
export interface KernelBackend {
  /** Family: 'reference' | 'gpu.js' | a plugin's name. */
  readonly name: string
  /** What actually runs (e.g. 'reference', 'cpu', 'webasm', 'webgpu', 'webgl2'). */
  readonly mode: string
  topK(logits: Float32Array, rows: number, cols: number, options: TopKOptions): MaybePromise<TopKOutput>
  /** Per-expert counts of a flat id array. */
  histogram(ids: Int32Array, numExperts: number): MaybePromise<Int32Array>
  sampleIds(options: SampleIdsOptions): MaybePromise<Int32Array>
  dispose?(): void
}
