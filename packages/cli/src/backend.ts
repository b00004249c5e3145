import { assertOneOf } from '@routesim/core'
import type { KernelBackend } from '@routesim/core'
import { createBackendRegistry } from '@routesim/simulator'
import type { BackendRegistry, BuiltInBackendChoice } from '@routesim/simulator'

/**
 * `--backend` values: the library's backend choices (`BACKEND_CHOICES` of `@routesim/simulator`), in the
 * order the CLI has always listed them.
 */
export const BACKEND_MODES = ['reference', 'wasm', 'auto', 'webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'] as const satisfies readonly BuiltInBackendChoice[]
export type BackendMode = (typeof BACKEND_MODES)[number]

export interface OpenedBackend {
  /** The kernel backend the run uses (for `reference`, the reference backend). */
  readonly backend: KernelBackend
  /** Why this backend (for 'auto'), or what it runs on. */
  readonly detail?: string | undefined
  dispose(): void
}

/**
 * The library's backend registry with Node's WebGPU: Dawn (`@routesim/gpu/node`), loaded only when a
 * WebGPU backend is asked for. All policy ('auto' and its fallbacks) lives in the registry.
 */
export function createCliBackendRegistry(): BackendRegistry {
  return createBackendRegistry({
    navigatorGpu: async () => {
      const { createNodeWebGpu } = await import('@routesim/gpu/node')
      return createNodeWebGpu()
    },
  })
}

/**
 * Opens the backend a `--backend` flag names through the library's registry. An explicit mode that
 * cannot run here throws `BackendUnavailableError` (exit code 2), never a silent fallback.
 */
export async function openBackend(mode: string): Promise<OpenedBackend> {
  const chosen = assertOneOf<BackendMode>('--backend', mode, BACKEND_MODES)
  const resolved = await createCliBackendRegistry().resolve(chosen)
  return { backend: resolved.backend, detail: resolved.reason, dispose: () => resolved.dispose() }
}
