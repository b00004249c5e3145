import { assertOneOf } from '@routesim/core'
import type { KernelBackend } from '@routesim/core'

/**
 * `--backend` values: the reference (plain TypeScript, the truth), `wasm` (`@routesim/wasm`, WebAssembly SIMD
 * top-k) and the gpu.js modes of `@routesim/gpu`.
 */
export const BACKEND_MODES = ['reference', 'wasm', 'auto', 'webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'] as const
export type BackendMode = (typeof BACKEND_MODES)[number]

export interface OpenedBackend {
  /** Undefined for `reference`: strategies then run their own reference code path. */
  readonly backend: KernelBackend | undefined
  /** For gpu modes: why this mode (for 'auto') or what it runs on. */
  readonly detail?: string | undefined
  dispose(): void
}

/**
 * Opens the backend a `--backend` flag names. gpu.js is loaded only when a gpu mode is asked for,
 * so the reference path never pays for it. An explicit mode that cannot run here throws the gpu
 * package's `BackendUnavailableError` (exit code 2), never a silent fallback. 'auto' takes a hardware
 * WebGPU adapter when gpu.js finds one, else the wasm backend (else gpu.js's own CPU choice), and says why.
 */
export async function openBackend(mode: string): Promise<OpenedBackend> {
  const chosen = assertOneOf<BackendMode>('--backend', mode, BACKEND_MODES)
  if (chosen === 'reference') return { backend: undefined, dispose: () => {} }
  if (chosen === 'wasm') return openWasm(WASM_DETAIL)
  const { createGpuBackend } = await import('@routesim/gpu')
  // In Node, WebGPU comes from Dawn (the `webgpu` package). For 'auto' a missing Dawn only means
  // auto picks another mode; for an explicit 'webgpu' its error is the answer.
  let navigatorGpu: unknown
  if (chosen === 'webgpu' || chosen === 'auto') {
    const { createNodeWebGpu } = await import('@routesim/gpu/node')
    if (chosen === 'webgpu') navigatorGpu = await createNodeWebGpu()
    else navigatorGpu = await createNodeWebGpu().catch(() => undefined)
  }
  const backend = await createGpuBackend({ mode: chosen, ...(navigatorGpu === undefined ? {} : { navigatorGpu }) })
  // 'auto' without a hardware WebGPU adapter: the wasm backend beats gpu.js's CPU modes (docs/performance.md).
  if (chosen === 'auto' && backend.mode !== 'webgpu') {
    const wasm = await openWasm(`auto: ${backend.autoReason ?? 'no hardware WebGPU adapter'}; on the CPU the wasm backend is faster than gpu.js ${backend.mode}`).catch(() => undefined)
    if (wasm !== undefined) {
      backend.dispose()
      return wasm
    }
  }
  return { backend, detail: backend.autoReason, dispose: () => backend.dispose() }
}

const WASM_DETAIL =
  'WebAssembly SIMD top-k (plain, and sigmoid with a bias or top-1/top-2 groups); other selections, histograms and sampling run the reference kernels'

async function openWasm(detail: string): Promise<OpenedBackend> {
  const { createWasmBackend } = await import('@routesim/wasm')
  const backend = await createWasmBackend()
  return { backend, detail, dispose: () => backend.dispose() }
}
