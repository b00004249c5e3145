// Errors
export { TraceFormatError } from './trace-format-error.ts'
export { UnsafePickleError } from './unsafe-pickle-error.ts'

// Arrays
export { DTYPES, MAX_ELEMENTS, MAX_NDIM, ndarray } from './nd-array.ts'
export type { Dtype, DtypeArray, NdArray } from './nd-array.ts'

// File formats
export { MAX_NPY_HEADER_BYTES, isNpy, readNpy, writeNpy } from './npy.ts'
export { MAX_ZIP_ENTRIES, MAX_ZIP_UNCOMPRESSED_BYTES, isZip, readNpz, writeNpz } from './npz.ts'
export { MAX_SAFETENSORS_HEADER_BYTES, isSafetensors, readSafetensors, writeSafetensors } from './safetensors.ts'
export type { SafetensorsFile } from './safetensors.ts'
export { TORCH_ALLOWED_GLOBALS, isTorchZip, readTorch, writeTorch } from './torch-file.ts'
export type { TorchValue } from './torch-file.ts'
export { isPyTuple, unpickle } from './restricted-unpickler.ts'
export type { GlobalCall, PickleGlobal, PyTuple, UnpickleOptions } from './restricted-unpickler.ts'
