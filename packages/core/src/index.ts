// Errors
export { MAX_DESCRIBED_CHARS, RoutesimError, brand, describeValue, hasMarker } from './errors/routesim-error.ts'
export { InvalidArgumentError } from './errors/invalid-argument-error.ts'
export { ShapeMismatchError } from './errors/shape-mismatch-error.ts'
export { UnknownStrategyError } from './errors/unknown-strategy-error.ts'
export { DuplicateStrategyError } from './errors/duplicate-strategy-error.ts'
export { UnsupportedDistributionError } from './errors/unsupported-distribution-error.ts'
export { InvalidLogitsError } from './errors/invalid-logits-error.ts'
export { BackendUnavailableError } from './errors/backend-unavailable-error.ts'
export { InfeasibleTargetError } from './errors/infeasible-target-error.ts'
export { LimitExceededError } from './errors/limit-exceeded-error.ts'
export { InvalidStrategyResultError } from './errors/invalid-strategy-result-error.ts'
export { ConfigValidationError } from './errors/config-validation-error.ts'
export type { ConfigIssue } from './errors/config-validation-error.ts'

// Tensors and dtypes
export { INDEX_DTYPES, createTensor, indexArrayToInt32, resolveIndexDtype, toIndexArray } from './tensor.ts'
export type { IndexArray, IndexArrayOf, IndexDtype, RoutingResult, ShapedInput, Tensor, TypedArray } from './tensor.ts'

// Seeded randomness
export { createPrng, createPrngFromState } from './prng.ts'
export type { Prng, PrngState, Seed } from './prng.ts'

// Validation
export {
  assertFiniteLogits,
  throwFirstNonFiniteInRow,
  assertFiniteNumber,
  assertInteger,
  assertMatrix,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
  assertPrng,
  assertRoutingInputs,
  readTokenCount,
} from './validation.ts'

// Strategies
export { defineParameters, defineStrategy, freezeDefinition, isRoutingStrategy, isStrategyDefinition } from './routing-strategy.ts'
export type { ParameterSpec, ParameterSpecs, ParameterType, RoutingContext, RoutingOutput, RoutingStrategy, StrategyDefinition } from './routing-strategy.ts'
export { isResolvedParameters, parseParameterValue, resolveParameters } from './parameters.ts'
export { parameterSchema, parameterValidator } from './parameter-schema.ts'
export type { ParameterSchemaOf, ParameterValidator, ParametersOf, ParametersSchema } from './parameter-schema.ts'

// Limits and the result guard
export { LIMITS, checkAllocation, checkLimit, limitLabel } from './limits.ts'
export type { LimitName } from './limits.ts'
export { checkJsonDepth } from './json-depth.ts'
export { checkStrategyResult, guardStrategy } from './strategy-result-guard.ts'
export type { StrategyOrigin } from './strategy-result-guard.ts'

// Chunk runners (worker pools)
export { allocateFloat32, allocateInt32, outputArrays, sharedView } from './chunk-runner.ts'
export type { ChunkJob, ChunkRunner } from './chunk-runner.ts'

// Kernel backends
export type {
  BackendRun,
  GroupSelection,
  KernelBackend,
  MaybePromise,
  SampleIdsOptions,
  SamplingKind,
  ScoringFunction,
  SoftmaxNormalizer,
  TopKOptions,
  TopKOutput,
  WeightFinish,
} from './kernel-backend.ts'

export type { DeviceDraw, DeviceDrawRequest, DeviceLayerMap, DeviceReplicaPolicy, DeviceStep, DeviceStepOptions, DeviceStepStats } from './device-step.ts'

// Checks every backend runs on its arguments, so all reject bad input with the same typed errors
export { validateHistogramArguments, validateSampleIdsOptions, validateTopKArguments } from './kernel-arguments.ts'
export type { ResolvedSampleIds, ResolvedTopK } from './kernel-arguments.ts'
