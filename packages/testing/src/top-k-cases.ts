import type { GroupSelection, ScoringFunction, TopKOptions } from '@routesim/core'
import { createRandomLogits, createTiedLogits } from './random-inputs.ts'

export interface TopKCase {
  readonly label: string
  readonly logits: Float32Array
  readonly rows: number
  readonly cols: number
  readonly options: TopKOptions
  /** Inputs hold exact ties only (no near-ties): ids must match the reference exactly. */
  readonly exactTies?: boolean
}

const SCORINGS: readonly ScoringFunction[] = ['softmax', 'sigmoid', 'logits']

/**
 * The top-k inputs every backend must agree on: each scoring, with and without bias, odd sizes, k = 1 and
 * k = E, every grouping form (vLLM max, DeepSeek-V3 top-2 sum, Megatron top-n sum, HF 0-mask), exact ties,
 * zero rows; `large` adds more rows than one GPU dispatch dimension holds (65,535).
 */
export function createTopKCases(options: { large?: boolean } = {}): TopKCase[] {
  const cases: TopKCase[] = []
  let seed = 1000
  const add = (label: string, rows: number, cols: number, topK: Omit<TopKOptions, 'k'> & { k: number }, scale = 1.5) =>
    cases.push({ label, rows, cols, options: topK, logits: createRandomLogits(seed++, rows, cols, scale) })
  for (const scoring of SCORINGS) {
    const bias64 = createRandomLogits(seed++, 1, 64, 0.05)
    const bias7 = createRandomLogits(seed++, 1, 7, 0.05)
    add(`${scoring} T=257 E=64 k=8`, 257, 64, { k: 8, scoring })
    add(`${scoring} + bias T=257 E=64 k=8`, 257, 64, { k: 8, scoring, bias: bias64 })
    add(`${scoring} T=33 E=7 k=3`, 33, 7, { k: 3, scoring })
    add(`${scoring} + bias T=33 E=7 k=7 (k = E)`, 33, 7, { k: 7, scoring, bias: bias7 })
    add(`${scoring} T=16 E=1 k=1`, 16, 1, { k: 1, scoring })
    add(`${scoring} T=64 E=256 k=8`, 64, 256, { k: 8, scoring })
    add(`${scoring} T=40 E=64 k=8 without weights`, 40, 64, { k: 8, scoring, needWeights: false })
    add(`${scoring} T=40 E=64 k=8 normaliser only (as routers ask)`, 40, 64, { k: 8, scoring, needWeights: false, normalizer: true })
    add(`${scoring} grouped max T=40 E=64 k=8 normaliser only`, 40, 64, {
      k: 8,
      scoring,
      needWeights: false,
      normalizer: true,
      grouping: { numGroups: 8, topkGroup: 4, groupScore: 'max' },
    })
    add(`${scoring} + bias, 0-mask groups T=40 E=64 k=8 normaliser only`, 40, 64, {
      k: 8,
      scoring,
      needWeights: false,
      normalizer: true,
      bias: bias64,
      grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum', maskValue: 0 },
    })
    const groupings: [string, GroupSelection, boolean][] = [
      ['max', { numGroups: 8, topkGroup: 4, groupScore: 'max' }, false],
      ['top2_sum + bias', { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' }, true],
      ['topn_sum n=2', { numGroups: 8, topkGroup: 4, groupScore: 'topn_sum', groupTopN: 2 }, false],
      ['top2_sum, 0-mask, negative bias', { numGroups: 4, topkGroup: 1, groupScore: 'top2_sum', maskValue: 0 }, true],
    ]
    for (const [name, grouping, withBias] of groupings) {
      const bias = withBias ? (name.includes('negative') ? createRandomLogits(seed++, 1, 64, 0.5).map((b) => b - 1) : bias64) : undefined
      add(`${scoring} grouped ${name} T=129 E=64 k=8`, 129, 64, { k: 8, scoring, grouping, ...(bias ? { bias } : {}) })
    }
    cases.push({
      label: `${scoring} exact ties T=64 E=16 k=4`,
      rows: 64,
      cols: 16,
      options: { k: 4, scoring },
      logits: createTiedLogits(seed++, 64, 16),
      exactTies: true,
    })
    cases.push({
      label: `${scoring} exact ties, constant bias T=64 E=16 k=4`,
      rows: 64,
      cols: 16,
      options: { k: 4, scoring, bias: new Float32Array(16).fill(0.25) },
      logits: createTiedLogits(seed++, 64, 16),
      exactTies: true,
    })
  }
  cases.push({ label: 'zero rows', rows: 0, cols: 8, options: { k: 2, scoring: 'softmax' }, logits: new Float32Array(0) })
  if (options.large) {
    add('softmax T=70000 E=32 k=4 (rows > 65,535)', 70_000, 32, { k: 4, scoring: 'softmax' })
    add('sigmoid + bias grouped T=66000 E=64 k=8', 66_000, 64, {
      k: 8,
      scoring: 'sigmoid',
      bias: createRandomLogits(seed++, 1, 64, 0.05),
      grouping: { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' },
    })
  }
  return cases
}
