import { assertIdsShape, asNumberIds, type ExpertIds } from './expert-ids.ts'

/**
 * Tokens whose k ids contain a repeat (i.e. the router picked an expert twice), out of T.
 * Returns the count; see {@link duplicateIdRate} for the fraction.
 */
export function countTokensWithDuplicateIds(ids: ExpertIds, topK: number): number {
  const numTokens = assertIdsShape(ids, topK)
  const view = asNumberIds(ids)
  let duplicates = 0
  for (let t = 0; t < numTokens; t++) {
    const row = t * topK
    // O(k²) per row needs no scratch memory and is fastest for realistic k (≤ 32).
    search: for (let a = 1; a < topK; a++) {
      const id = view[row + a]!
      for (let b = 0; b < a; b++) {
        if (view[row + b]! === id) {
          duplicates++
          break search
        }
      }
    }
  }
  return duplicates
}

/**
 * Fraction of tokens with a repeated expert id in their top-k row (0 when there are no tokens).
 * vLLM's original `uniform_random` (`torch.randint`) gives ≈ 1 − Π_{i<k}(1 − i/E), about 10.5 % for
 * E = 256, k = 8 — the defect that tripped DeepEP v2's dedup assertion (anchors §0.2).
 *
 * @example
 * duplicateIdRate([0, 1, 2, 2], 2) // 0.5
 */
export function duplicateIdRate(ids: ExpertIds, topK: number): number {
  const numTokens = assertIdsShape(ids, topK)
  return numTokens === 0 ? 0 : countTokensWithDuplicateIds(ids, topK) / numTokens
}
