import { describeBackendConformance } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'

// referenceHandoff: false so the conformance sizes (tens to hundreds of rows) run in gpu.js kernels.
describeBackendConformance('gpu.js cpu', () => createGpuBackend({ mode: 'cpu', referenceHandoff: false }), {
  expectedMode: 'cpu',
  expectedName: 'gpu.js',
  seeds: 20,
  maxRejections: 2,
})
