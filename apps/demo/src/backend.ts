import { assertOneOf } from '@routesim/core'
import type { KernelBackend } from '@routesim/core'

/** `--backend` values: the reference (plain TypeScript, the truth) and the gpu.js modes of `@routesim/gpu`. */
export const BACKEND_MODES = ['reference', 'auto', 'webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'] as const
export type BackendMode = (typeof BACKEND_MODES)[number]

export interface OpenedBackend {
  /** Undefined for `reference`: strategies then run their own reference code path. */
  readonly backend: KernelBackend | undefined
  dispose(): void
}

/**
 * Opens the backend a `--backend` flag names. gpu.js is loaded only when a gpu mode is asked for,
 * so `routesim route` on the reference never pays for it.
 */
export async function openBackend(mode: string): Promise<OpenedBackend> {
  const chosen = assertOneOf<BackendMode>('--backend', mode, BACKEND_MODES)
  if (chosen === 'reference') return { backend: undefined, dispose: () => {} }
  return openGpuBackend(chosen)
}

async function openGpuBackend(mode: Exclude<BackendMode, 'reference'>): Promise<OpenedBackend> {
  const { BackendUnavailableError } = await import('@routesim/core')
  throw new BackendUnavailableError({ mode, reason: '@routesim/gpu is not wired into the CLI yet', availableModes: ['reference'] })
}
