import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import type { GroupSelection, ScoringFunction, TopKOptions } from '@routesim/core'
import { referenceTopK } from './reference-backend-top-k.ts'
import { softmaxNormalizer, winnerScores } from './winner-scores.ts'

function normals(n: number, seed: number): Float32Array {
  const prng = createPrng(seed, 'winner-scores')
  return Float32Array.from({ length: n }, () => prng.nextNormal() * 2)
}

const GROUPINGS: (GroupSelection | undefined)[] = [
  undefined,
  { numGroups: 8, topkGroup: 4, groupScore: 'max' },
  { numGroups: 8, topkGroup: 2, groupScore: 'top2_sum', maskValue: 0 },
  { numGroups: 4, topkGroup: 2, groupScore: 'topn_sum', groupTopN: 3 },
]

describe('weights from the contract (winner logits + normaliser) equal the kernels’ own, bit for bit', () => {
  const rows = 97
  const cols = 64
  const logits = normals(rows * cols, 1)
  const bias = normals(cols, 2).map((b) => b * 0.05)
  for (const scoring of ['softmax', 'sigmoid', 'logits'] as ScoringFunction[]) {
    for (const grouping of GROUPINGS) {
      for (const withBias of [false, true]) {
        const options: TopKOptions = { k: 8, scoring, ...(grouping ? { grouping } : {}), ...(withBias ? { bias } : {}) }
        it(`${scoring}${grouping ? ` grouped ${grouping.groupScore}${grouping.maskValue === 0 ? ' 0-mask' : ''}` : ''}${withBias ? ' + bias' : ''}`, () => {
          const legacy = referenceTopK(logits, rows, cols, options)
          const lean = referenceTopK(logits, rows, cols, { ...options, needWeights: false, normalizer: true })
          expect(Array.from(lean.ids)).toEqual(Array.from(legacy.ids))
          expect(lean.weights.every((w) => w === 0)).toBe(true)
          const scores = winnerScores(lean.winnerLogits, 8, scoring, lean.normalizer)
          expect(Buffer.from(scores.buffer).equals(Buffer.from(legacy.weights.buffer))).toBe(true)
          if (scoring === 'softmax') {
            const recomputed = softmaxNormalizer(logits, rows, cols)
            expect(Array.from(recomputed.max)).toEqual(Array.from(lean.normalizer!.max))
            expect(Array.from(recomputed.sum)).toEqual(Array.from(lean.normalizer!.sum))
          } else {
            expect(lean.normalizer).toBeUndefined()
          }
        })
      }
    }
  }

  it('softmax without a normaliser of the right size is a typed error', () => {
    expect(() => winnerScores(new Float32Array(4), 2, 'softmax')).toThrow(InvalidArgumentError)
    expect(() => winnerScores(new Float32Array(4), 2, 'softmax', { max: new Float64Array(1), sum: new Float64Array(1) })).toThrow(/2 rows/)
  })
})
