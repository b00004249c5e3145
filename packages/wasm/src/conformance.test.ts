import { describeBackendConformance } from '@routesim/testing'
import { createWasmBackend } from './create-wasm-backend.ts'

// large: rows past 65,535 and chunk boundaries; the kernel is fast enough for them in CI.
describeBackendConformance('wasm simd', () => createWasmBackend(), {
  expectedMode: 'wasm-simd',
  expectedName: 'wasm',
  large: true,
})
