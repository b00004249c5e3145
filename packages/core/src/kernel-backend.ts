/*
 * The kernel-backend contract: what every backend (the reference in @routesim/backend-cpu, @routesim/wasm,
 * @routesim/gpu, a plugin's) implements, and what routers and the simulator may rely on.
 * - `topK` selects: it returns the winners' ids and their logits, and for softmax scoring (on request) each
 *   row's normaliser. It does not weigh: routers compute every weight from these, in one place.
 * - `lastRun` says where the last call actually ran (the backend's kernel, or handed to the reference).
 * - `histogram` counts ids per expert (the scenario loop counts every layer with it). `sampleIds` is
 *   deprecated and optional: nothing routes through it.
 * - Arguments are checked with core's `validateTopKArguments` & co., so every backend rejects bad input with
 *   the same typed errors. A backend that does not implement an option may hand that call to the reference.
 */
import type { DeviceStep, DeviceStepOptions } from './device-step.ts'

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
  /**
   * Softmax scoring: also return each row's normaliser (`TopKOutput.normalizer`), which costs a pass of exp
   * over the row. Default false; ignored for other scorings (their scores need no normaliser).
   */
  readonly normalizer?: boolean | undefined
  /**
   * @deprecated Weights are the router's job: they come from `winnerLogits` (and, for softmax, `normalizer`).
   * Default true, for callers written before that: the backend then also fills `weights` with the winners'
   * unbiased scores (and returns the softmax normaliser). Routers pass false; `weights` is then zero-filled.
   */
  readonly needWeights?: boolean | undefined
}

/** A softmax row's normaliser: score_j = exp(logit_j − max) / sum, in float64. */
export interface SoftmaxNormalizer {
  /** Per row: its largest logit. */
  readonly max: Float64Array
  /** Per row: Σ_j exp(logit_j − max) over all the row's experts. */
  readonly sum: Float64Array
}

/**
 * A router's weight rule as data, for backends that weigh on the device (the webgpu resident path): each
 * winner's unbiased score (`score` of its logit: the row's softmax probability, σ, or the logit), divided by
 * the row's k scores' sum plus `epsilon` when `normalize`, times `scale`. Softmax with `normalize` and
 * `epsilon` 0 is the softmax over the k selected logits. Routers whose rule does not fit leave it undefined.
 */
export interface WeightFinish {
  readonly score: ScoringFunction
  readonly normalize: boolean
  readonly epsilon: number
  readonly scale: number
}

/** Row-major `[rows, k]`: ids by descending selection value (ties → lower id), and what weighs them. */
export interface TopKOutput {
  readonly ids: Int32Array
  /** The winners' logits `[rows, k]`, exactly the input's values: routers compute weights from them. */
  readonly winnerLogits: Float32Array
  /** Softmax scoring with `options.normalizer` (or the deprecated `needWeights`): each row's normaliser. */
  readonly normalizer?: SoftmaxNormalizer | undefined
  /**
   * @deprecated Compute weights from `winnerLogits` (and `normalizer`): the winners' unbiased scores when
   * `options.needWeights` is true (its default), else zero-filled.
   */
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

/** A backend's account of its last call: which operation, where it ran, and why. */
export interface BackendRun {
  readonly operation: 'topK' | 'histogram' | 'sampleIds'
  /** 'kernel': the backend's own kernel (in `mode`); 'reference': handed to the reference kernels. */
  readonly ranOn: 'kernel' | 'reference'
  readonly reason: string
}

/**
 * The hot kernels of routing. The reference backend (plain TypeScript, in `@routesim/backend-cpu`) is the truth;
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
  /**
   * Seeded expert ids `[rows, k]`.
   * @deprecated No strategy, analysis or scenario draws through a backend (strategies draw from the
   * simulator's stream, which a backend's seeded sampling cannot reproduce), so it is no longer part of the
   * contract: optional, and a later major release drops it. The conformance suite still checks it when present.
   */
  sampleIds?(options: SampleIdsOptions): MaybePromise<Int32Array>
  /**
   * Optional (webgpu): a scenario step held on the device — ids drawn and measured there, statistics read back.
   * Throws `InvalidArgumentError` for a shape or policy it cannot hold.
   */
  openDeviceStep?(options: DeviceStepOptions): Promise<DeviceStep>
  dispose?(): void
}
