// Backend
export { createWasmBackend, createWasmBackendSync } from './create-wasm-backend.ts'
export type { WasmBackend, WasmLastRun } from './create-wasm-backend.ts'

// Limits of the kernels (documented thresholds)
export { WASM_CHUNK_FLOATS, WASM_MAX_COLS } from './wasm-top-k.ts'
export { SIGMOID_APPROX_BOUND, WASM_MAX_BIAS } from './wasm-sigmoid-top-k.ts'
