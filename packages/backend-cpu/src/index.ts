// The reference kernel backend (the truth every backend is tested against)
export { createReferenceBackend, referenceHistogram } from './reference-backend.ts'
export type { ReferenceBackend } from './reference-backend.ts'
export { referenceTopK, referenceWinnerScores } from './reference-backend-top-k.ts'
export { referenceSampleIds } from './reference-backend-sampling.ts'
export { softmaxNormalizer, winnerScores } from './winner-scores.ts'

// The split histogram, shared with @routesim/analysis' expertCounts
export { SPLIT_HISTOGRAM_MIN_IDS, accumulateSplitHistogram } from './split-histogram.ts'
