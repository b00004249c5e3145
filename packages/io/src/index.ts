// Errors
export { TraceFormatError } from './trace-format-error.ts'
export { UnsafePickleError } from './unsafe-pickle-error.ts'

// Arrays
export { DTYPES, MAX_ELEMENTS, MAX_NDIM, ndarray } from './nd-array.ts'
export type { Dtype, DtypeArray, NdArray } from './nd-array.ts'

// File formats
export { MAX_NPY_HEADER_BYTES, encodeNpy, isNpy, readNpy, writeNpy } from './npy.ts'
export { MAX_ZIP_ENTRIES, MAX_ZIP_UNCOMPRESSED_BYTES, isZip, readNpz, writeNpz } from './npz.ts'
export { MAX_SAFETENSORS_HEADER_BYTES, encodeSafetensors, isSafetensors, readSafetensors, writeSafetensors } from './safetensors.ts'
export type { SafetensorsFile } from './safetensors.ts'
export { TORCH_ALLOWED_GLOBALS, isTorchZip, readTorch, writeTorch } from './torch-file.ts'
export type { TorchValue } from './torch-file.ts'
export { isPyTuple, unpickle } from './restricted-unpickler.ts'
export type { GlobalCall, PickleGlobal, PyTuple, UnpickleOptions } from './restricted-unpickler.ts'

// Traces
export { TRACE_ORDERS, idsTrace, layerCounts, traceCounts, traceFromArrays } from './trace.ts'
export { isSglangDump, traceFromSglangDump } from './sglang-dump.ts'
export { mergeTraces } from './merge-traces.ts'
export type { CountsTrace, IdsTrace, Trace, TraceHints } from './trace.ts'
export { TRACE_FORMATS, detectFormat, encodeTrace, formatFromName, readArrays, readTrace, writeTrace } from './trace-file.ts'
export type { TraceFormat, WriteTraceOptions } from './trace-file.ts'
export { MAX_TEXT_TRACE_BYTES } from './text-formats.ts'

// Analysis, fitting and replay
export { analyzeTrace } from './analyze-trace.ts'
export type { AnalyzeOptions, BalancednessVariants, LayerAnalysis, TraceAnalysis } from './analyze-trace.ts'
export { DEFAULT_FIT_MAX_TOKENS, FIT_FAMILIES, fitTrace } from './fit-trace.ts'
export type { FitFamily, FitOptions, FitResult, LayerFit, SkewMetrics } from './fit-trace.ts'
export { TraceExhaustedError, createReplayStrategy, replayDefinition } from './replay.ts'
export type { ReplayEnd, ReplayOptions } from './replay.ts'
