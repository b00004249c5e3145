import type { KernelBackend } from '@routesim/core'
import type { AppBackend } from './url-state.ts'

export interface OpenBackend {
  readonly backend: KernelBackend | undefined
  /** The backend's own account of where it runs (gpu.js mode and adapter, or the wasm kernel). */
  readonly detail: string
}

const open = new Map<AppBackend, Promise<OpenBackend>>()

/**
 * Opens (once) the backend the page asks for. wasm is the default; gpu.js is imported only when a gpu.js
 * mode is chosen, so it lives in its own chunk and a page that never picks one never downloads it. An
 * explicit mode that cannot run here rejects with the gpu package's typed error: no silent fallback.
 */
export function openBackend(mode: AppBackend): Promise<OpenBackend> {
  let pending = open.get(mode)
  if (!pending) {
    pending = openNew(mode)
    pending.catch(() => open.delete(mode))
    open.set(mode, pending)
  }
  return pending
}

async function openNew(mode: AppBackend): Promise<OpenBackend> {
  if (mode === 'reference') return { backend: undefined, detail: 'the reference kernels (plain TypeScript)' }
  if (mode === 'wasm') {
    const { createWasmBackend } = await import('@routesim/wasm')
    return { backend: await createWasmBackend(), detail: 'WebAssembly SIMD top-k; other kernels run the reference' }
  }
  const { createGpuBackend } = await import('@routesim/gpu')
  // gpu.js's worker pool needs SharedArrayBuffer, which exists only on cross-origin-isolated pages.
  const backend = await createGpuBackend({ mode, threads: globalThis.crossOriginIsolated === true })
  const adapter = backend.adapter
  return { backend, detail: `gpu.js ${backend.mode}${adapter ? ` on ${adapter}` : ''}${backend.autoReason ? ` (${backend.autoReason})` : ''}` }
}
