import { describe, expect, it } from 'vitest'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { KernelBackend } from '@routesim/core'
import { createWasmBackend } from '@routesim/wasm'
import { resolveChunkBackend } from './chunk-backend.ts'
import { createSimulator } from './simulator.ts'

describe('resolveChunkBackend: the one synchronous backend choice', () => {
  it('gives a simulator on the reference backend (or none) this thread’s wasm, compiled once and shared', () => {
    const none = resolveChunkBackend()
    const reference = resolveChunkBackend(createReferenceBackend())
    // Node has WebAssembly SIMD: the choice is wasm, with the registry's reason.
    expect(none.backend?.name).toBe('wasm')
    expect(none.reason).toMatch(/^wasm: WebAssembly SIMD/)
    expect(reference.backend).toBe(none.backend)
  })

  it('keeps a wasm backend and hands any other backend’s chunks to the reference kernels, saying why', async () => {
    const wasm = await createWasmBackend()
    try {
      expect(resolveChunkBackend(wasm)).toEqual({ backend: wasm, reason: "wasm: the simulator's own backend" })
    } finally {
      wasm.dispose()
    }
    const gpuLike = { ...createReferenceBackend(), name: 'gpu.js', mode: 'webgl2' } as KernelBackend
    const choice = resolveChunkBackend(gpuLike)
    expect(choice.backend).toBeUndefined()
    expect(choice.reason).toBe('reference kernels: gpu.js (webgl2) has no synchronous exact kernels')
  })

  it('is what createSimulator lends its runner (no second decision in the simulator)', async () => {
    expect(createSimulator().runner.backend).toBe(resolveChunkBackend().backend)
    expect(createSimulator({ backend: createReferenceBackend() }).runner.backend).toBe(resolveChunkBackend().backend)
    const wasm = await createWasmBackend()
    try {
      expect(createSimulator({ backend: wasm }).runner.backend).toBe(wasm)
    } finally {
      wasm.dispose()
    }
    const gpuLike = { ...createReferenceBackend(), name: 'gpu.js', mode: 'cpu' } as KernelBackend
    expect(createSimulator({ backend: gpuLike }).runner.backend).toBeUndefined()
  })

  it('refuses what is not a backend with a typed error', () => {
    expect(() => resolveChunkBackend(null as never)).toThrow(expect.objectContaining({ code: 'invalid_argument', parameter: 'backend' }))
    expect(() => resolveChunkBackend('wasm' as never)).toThrow(expect.objectContaining({ code: 'invalid_argument', parameter: 'backend' }))
  })
})
