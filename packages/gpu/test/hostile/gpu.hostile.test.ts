import { describe, expect, it } from 'vitest'
import { BackendUnavailableError, InvalidArgumentError } from '@routesim/core'
import { createGpuBackend } from '../../src/index.ts'

const globalGpu = () => (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu

describe('hostile: createGpuBackend has no global side effects and no silent options', () => {
  it.each([[{ mode: 'cpu', navigatorGPU: {} }], [{ mode: 'cpu', backend: 'wasm' }], [{ sed: 5 }]])(
    '%j: an unknown option is a typed error',
    async (options) => {
      await expect(createGpuBackend(options as never)).rejects.toThrow(InvalidArgumentError)
      await expect(createGpuBackend(options as never)).rejects.toThrow(
        /Unknown option '(navigatorGPU|backend|sed)' for createGpuBackend. Known options: \[mode, gpu, navigatorGpu/,
      )
    },
  )

  it('navigatorGpu does not set the global navigator.gpu (it did, for every later user of the page or process)', async () => {
    const before = globalGpu()
    // A WebGPU entry point with no adapter: the backend is unavailable, and the global is as it was.
    const noAdapter = { requestAdapter: async () => null, getPreferredCanvasFormat: () => 'bgra8unorm' }
    const error = await createGpuBackend({ mode: 'webgpu', navigatorGpu: noAdapter }).catch((e: unknown) => e)
    expect(BackendUnavailableError.isInstance(error)).toBe(true)
    expect(globalGpu()).toBe(before)
    // A backend that does open (gpu.js's cpu mode) with an injected entry point leaves no global either.
    const backend = await createGpuBackend({ mode: 'cpu', navigatorGpu: noAdapter })
    expect(globalGpu()).toBe(before)
    backend.dispose()
  })
})
