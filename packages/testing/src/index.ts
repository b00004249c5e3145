// Conformance suites (vitest)
export { describeBackendConformance } from './backend-conformance.ts'
export type { BackendConformanceOptions } from './backend-conformance.ts'
export { describeStrategyConformance } from './strategy-conformance.ts'
export type { MakeStrategy, StrategyConformanceOptions, StrategyShape } from './strategy-conformance.ts'

// Test doubles
export { createRecordingBackend } from './recording-backend.ts'
export type { RecordedCall, RecordingBackend } from './recording-backend.ts'

// The checks behind them, usable on their own
export { compareTopK, scoreRow } from './compare-top-k.ts'
export type { CompareTopKOptions, CompareTopKResult, RowScores } from './compare-top-k.ts'
export { createTopKCases } from './top-k-cases.ts'
export type { TopKCase } from './top-k-cases.ts'
export { samplingStatistics } from './sampling-statistics.ts'
export type { SamplingStatistic } from './sampling-statistics.ts'
export { chiSquareSurvival, chiSquareTest } from './chi-square.ts'
export type { ChiSquareResult } from './chi-square.ts'

// Seeded test inputs
export { createRandomIds, createRandomLogits, createTiedLogits } from './random-inputs.ts'
