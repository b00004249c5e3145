import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import { ShapeMismatchError } from './errors/shape-mismatch-error.ts'
import { checkAllocation, checkLimit } from './limits.ts'
import type { SampleIdsOptions, SamplingKind, ScoringFunction, TopKOptions } from './kernel-backend.ts'

const SCORINGS: readonly ScoringFunction[] = ['softmax', 'sigmoid', 'logits']
const GROUP_SCORES = ['max', 'top2_sum', 'topn_sum'] as const
const SAMPLING_KINDS: readonly SamplingKind[] = ['uniform_iid', 'uniform_distinct', 'categorical_distinct']

function fail(parameter: string, value: unknown, allowed: string): never {
  throw new InvalidArgumentError({ parameter, value, allowed })
}

function checkInteger(parameter: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(parameter, value, `an integer in [${min}, ${max}]`)
  }
  return value
}

/** A kernel's view of a validated `topK` call: everything resolved, defaults filled in. */
export interface ResolvedTopK {
  readonly rows: number
  readonly cols: number
  readonly k: number
  readonly scoring: ScoringFunction
  readonly bias: Float32Array | undefined
  readonly numGroups: number
  readonly topkGroup: number
  readonly groupScore: 'max' | 'topn_sum' | 'none'
  readonly groupTopN: number
  readonly maskValue: number
  readonly needWeights: boolean
  /** Softmax scoring with `options.normalizer` or `needWeights`: the kernel returns each row's normaliser. */
  readonly normalizer: boolean
}

/**
 * Checks a `KernelBackend.topK` call the way the reference backend does (every backend should), and
 * resolves the options. Logit finiteness is checked by the kernels while they read the data.
 */
export function validateTopKArguments(logits: unknown, rows: unknown, cols: unknown, options: TopKOptions): ResolvedTopK {
  if (!(logits instanceof Float32Array)) fail('logits', logits, 'a Float32Array')
  const r = checkInteger('rows', rows, 0, Number.MAX_SAFE_INTEGER)
  const c = checkInteger('cols', cols, 1, 2 ** 30)
  if (logits.length !== r * c) {
    throw new ShapeMismatchError({ parameter: 'logits.length', expected: `${r * c} (= ${r} × ${c})`, actual: String(logits.length) })
  }
  if (typeof options !== 'object' || options === null) fail('options', options, 'a TopKOptions object')
  const k = checkInteger('options.k', options.k, 1, c)
  if (!SCORINGS.includes(options.scoring)) fail('options.scoring', options.scoring, "'softmax', 'sigmoid', 'logits'")
  const bias = options.bias
  if (bias !== undefined) {
    if (!(bias instanceof Float32Array)) fail('options.bias', bias, `a Float32Array of ${c} finite numbers`)
    if (bias.length !== c) fail('options.bias', bias, `a Float32Array of ${c} finite numbers (one per expert)`)
    for (let j = 0; j < c; j++) if (!Number.isFinite(bias[j]!)) fail(`options.bias[${j}]`, bias[j], 'a finite number')
  }
  const needWeights = options.needWeights ?? true
  if (typeof needWeights !== 'boolean') fail('options.needWeights', needWeights, 'true or false')
  const wantsNormalizer = options.normalizer ?? false
  if (typeof wantsNormalizer !== 'boolean') fail('options.normalizer', wantsNormalizer, 'true, false or undefined')
  const normalizer = options.scoring === 'softmax' && (wantsNormalizer || needWeights)
  const grouping = options.grouping
  if (grouping === undefined) {
    return {
      rows: r,
      cols: c,
      k,
      scoring: options.scoring,
      bias,
      numGroups: 1,
      topkGroup: 1,
      groupScore: 'none',
      groupTopN: 0,
      maskValue: -Infinity,
      needWeights,
      normalizer,
    }
  }
  const numGroups = checkInteger('options.grouping.numGroups', grouping.numGroups, 1, c)
  if (c % numGroups !== 0) {
    fail('options.grouping.numGroups', numGroups, `a divisor of the expert count ${c}`)
  }
  const groupSize = c / numGroups
  const topkGroup = checkInteger('options.grouping.topkGroup', grouping.topkGroup, 1, numGroups)
  if (!(GROUP_SCORES as readonly string[]).includes(grouping.groupScore)) {
    fail('options.grouping.groupScore', grouping.groupScore, GROUP_SCORES.map((g) => `'${g}'`).join(', '))
  }
  let groupTopN = 1
  if (grouping.groupScore === 'top2_sum') {
    if (groupSize < 2) fail('options.grouping.groupScore', 'top2_sum', `'max' (groups of ${groupSize} expert cannot give a top-2 sum)`)
    groupTopN = 2
  } else if (grouping.groupScore === 'topn_sum') {
    groupTopN = checkInteger('options.grouping.groupTopN', grouping.groupTopN, 1, groupSize)
  }
  const maskValue = grouping.maskValue ?? -Infinity
  if (typeof maskValue !== 'number' || Number.isNaN(maskValue) || maskValue === Infinity) {
    fail('options.grouping.maskValue', maskValue, '-Infinity or a finite number')
  }
  if (maskValue === -Infinity && k > topkGroup * groupSize) {
    fail('options.k', k, `an integer in [1, ${topkGroup * groupSize}] (topkGroup × group size: only the chosen groups' experts can be selected)`)
  }
  return {
    rows: r,
    cols: c,
    k,
    scoring: options.scoring,
    bias,
    numGroups,
    topkGroup,
    groupScore: grouping.groupScore === 'max' ? 'max' : 'topn_sum',
    groupTopN,
    maskValue,
    needWeights,
    normalizer,
  }
}

/** Checks a `KernelBackend.histogram` call (ids are range-checked while counting). */
export function validateHistogramArguments(ids: unknown, numExperts: unknown): number {
  if (!(ids instanceof Int32Array)) fail('ids', ids, 'an Int32Array')
  // The counts array has numExperts entries: the expert limit keeps it allocatable.
  return checkLimit('numExperts', numExperts, 'maxExperts', 1)
}

export interface ResolvedSampleIds {
  readonly kind: SamplingKind
  readonly rows: number
  readonly numExperts: number
  readonly k: number
  readonly weights: Float64Array | undefined
  readonly seed: number
}

/** Checks a `KernelBackend.sampleIds` call: kind, sizes (k ≤ E for the distinct kinds), weights, seed. */
export function validateSampleIdsOptions(options: SampleIdsOptions): ResolvedSampleIds {
  if (typeof options !== 'object' || options === null) fail('options', options, 'a SampleIdsOptions object')
  const { kind } = options
  if (!SAMPLING_KINDS.includes(kind)) fail('options.kind', kind, SAMPLING_KINDS.map((s) => `'${s}'`).join(', '))
  const rows = checkInteger('options.rows', options.rows, 0, Number.MAX_SAFE_INTEGER)
  const numExperts = checkLimit('options.numExperts', options.numExperts, 'maxExperts', 1)
  const k = checkInteger('options.k', options.k, 1, kind === 'uniform_iid' ? 2 ** 30 : numExperts)
  // The [rows, k] ids a backend allocates, refused before it does (2^31 ids would be 8 GB).
  checkAllocation('options.rows × options.k', [[rows * k, 4]])
  const seed = options.seed
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) fail('options.seed', seed, 'a safe integer')
  let weights: Float64Array | undefined
  if (kind === 'categorical_distinct') {
    weights = options.weights
    if (!(weights instanceof Float64Array) || weights.length !== numExperts) {
      fail('options.weights', weights, `a Float64Array of ${numExperts} non-negative finite numbers`)
    }
    let positive = 0
    for (let j = 0; j < numExperts; j++) {
      const w = weights[j]!
      if (!Number.isFinite(w) || w < 0) fail(`options.weights[${j}]`, w, 'a non-negative finite number')
      if (w > 0) positive++
    }
    if (positive < k) {
      fail('options.weights', weights, `at least k = ${k} positive weights (${positive} given), so k distinct experts can be drawn`)
    }
  } else if (options.weights !== undefined) {
    fail('options.weights', options.weights, `undefined (weights apply to 'categorical_distinct' only)`)
  }
  return { kind, rows, numExperts, k, weights, seed }
}
