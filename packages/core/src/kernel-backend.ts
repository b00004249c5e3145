/*
 * Changes by H3 (routers), all additive and optional, so existing backends keep compiling:
 * - GroupSelection.groupScore gains 'topn_sum' with `groupTopN` (Megatron: sum of each group's best k // topkGroup).
 *   'top2_sum' stays and means topn_sum with n = 2.
 * - GroupSelection.maskValue: the selection value of experts outside the chosen groups. Default -Infinity (vLLM,
 *   Megatron); HF DeepSeek masks with 0, so a masked expert can outrank a chosen one whose score + bias < 0.
 * - TopKOptions.needWeights (default true): false lets a backend skip the scores of the winners (routers that
 *   derive weights from the selected logits pass false); `weights` is then zero-filled, ids are unaffected.
 * - Core exports validateTopKArguments / validateHistogramArguments / validateSampleIdsOptions: the reference
 *   backend's checks, so every backend rejects bad input with the same typed errors.
 * A backend that does not implement an option may hand that call to createReferenceBackend().
 */
export type MaybePromise<T> = T | Promise<T>

/** How a router turns logits into scores before selection. */
export type ScoringFunction = 'softmax' | 'sigmoid' | 'logits'

export interface GroupSelection {
  readonly numGroups: number
  readonly topkGroup: number
  /**
   * 'max' (DeepSeek-V2/vLLM without bias), 'top2_sum' (DeepSeek-V3 with a correction bias) or 'topn_sum'
   * (Megatron: sum of each group's best `groupTopN` selection values). Computed on the selection values (score + bias).
   */
  readonly groupScore: 'max' | 'top2_sum' | 'topn_sum'
  /** For 'topn_sum': how many of each group's best selection values are summed, 1 ≤ n ≤ group size. */
  readonly groupTopN?: number | undefined
  /** Selection value of experts outside the chosen groups: -Infinity (default; vLLM, Megatron) or 0 (HF DeepSeek). */
  readonly maskValue?: number | undefined
}

export interface TopKOptions {
  readonly k: number
  readonly scoring: ScoringFunction
  /** Per-expert bias added to scores for selection only (DeepSeek-V3 `e_score_correction_bias`). */
  readonly bias?: Float32Array | undefined
  readonly grouping?: GroupSelection | undefined
  /** Default true. When false the backend may skip computing weights; `weights` is then zero-filled. */
  readonly needWeights?: boolean | undefined
}

/** Row-major `[rows, k]`: ids by descending selection value (ties → lower id); weights are the unbiased scores. */
export interface TopKOutput {
  readonly ids: Int32Array
  readonly weights: Float32Array
  /**
   * The winners' logits `[rows, k]`, when the backend has them at hand: routers that derive weights from
   * them (renormalized softmax, sigmoid) then need not gather them from the whole `[rows, cols]` input.
   */
  readonly winnerLogits?: Float32Array | undefined
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

/** A backend's account of its last call: which operation, where it ran, and why. */
export interface BackendRun {
  readonly operation: 'topK' | 'histogram' | 'sampleIds'
  /** 'kernel': the backend's own kernel (in `mode`); 'reference': handed to the reference kernels. */
  readonly ranOn: 'kernel' | 'reference'
  readonly reason: string
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
  /**
   * True when `topK` itself throws InvalidLogitsError at the first NaN/±Inf logit (row order, then column),
   * as the reference does, so a caller need not scan the logits first. Absent means false.
   */
  readonly checksFiniteLogits?: boolean | undefined
  /**
   * Where the last call actually ran: in this backend's own kernel, or handed to the reference (and why).
   * Backends that never hand work over (the reference itself) may leave it undefined.
   */
  readonly lastRun?: BackendRun | undefined
  topK(logits: Float32Array, rows: number, cols: number, options: TopKOptions): MaybePromise<TopKOutput>
  /** Per-expert counts of a flat id array. */
  histogram(ids: Int32Array, numExperts: number): MaybePromise<Int32Array>
  sampleIds(options: SampleIdsOptions): MaybePromise<Int32Array>
  dispose?(): void
}
