import { describe, it } from 'vitest'
import { describeBackendConformance } from '@routesim/testing'
import { createGpuBackend } from './create-gpu-backend.ts'
import { createNodeWebGpu } from './node-webgpu.ts'

// WebGPU in Node: Dawn (`webgpu@0.6.2`) on whatever Vulkan driver is configured — in CI Chromium's
// SwiftShader (VK_ICD_FILENAMES). With ROUTESIM_REQUIRE_WEBGPU=1 a missing adapter fails the run.
const required = process.env.ROUTESIM_REQUIRE_WEBGPU === '1'
const makeBackend = async () => createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu(), referenceHandoff: false })
const unavailable = await makeBackend().then(
  (backend) => {
    backend.dispose()
    return undefined
  },
  (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
)

if (unavailable === undefined) {
  // SwiftShader is slow: fewer seeds than the CPU suites, same thresholds per seed.
  describeBackendConformance('gpu.js webgpu (Dawn)', makeBackend, { expectedMode: 'webgpu', expectedName: 'gpu.js', seeds: 12, maxRejections: 2, large: true })
} else if (required) {
  describe('gpu.js webgpu (Dawn)', () => {
    it('has a WebGPU adapter (ROUTESIM_REQUIRE_WEBGPU=1)', () => {
      throw unavailable
    })
  })
} else {
  console.warn(`Skipping the WebGPU conformance suite: ${unavailable.message}`)
  describe.skip(`gpu.js webgpu (Dawn): skipped, ${unavailable.message}`, () => {
    it('needs a WebGPU adapter', () => {})
  })
}
