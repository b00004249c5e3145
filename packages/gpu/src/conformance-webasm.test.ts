import { describeBackendConformance } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'

// referenceHandoff: false so the conformance sizes run in gpu.js kernels, not on the reference.
describeBackendConformance('gpu.js webasm (sync)', () => createGpuBackend({ mode: 'webasm', threads: false, referenceHandoff: false }), {
  expectedMode: 'webasm',
  expectedName: 'gpu.js',
  seeds: 20,
  maxRejections: 2,
})

describeBackendConformance('gpu.js webasm (threaded)', () => createGpuBackend({ mode: 'webasm', threads: true, poolSize: 2, referenceHandoff: false }), {
  expectedMode: 'webasm',
  expectedName: 'gpu.js',
  seeds: 20,
  maxRejections: 2,
  large: true,
})
