import { createBackendRegistry } from '@routesim/simulator'
import type { KernelBackend } from '@routesim/core'
import type { AppBackend } from './url-state.ts'

export interface OpenBackend {
  readonly backend: KernelBackend
  /** The registry's reason for this backend (what it runs on, or what 'auto' chose and passed over). */
  readonly detail: string
}

// The library's backend registry decides (one path per decision, as `routesim --backend`): wasm is the page's
// default; gpu.js modules load only when a gpu.js mode (or 'auto') is asked for, so they stay a separate chunk,
// and gpu.js uses its SharedArrayBuffer worker pool only on cross-origin-isolated pages (its own default).
const registry = createBackendRegistry()
const open = new Map<AppBackend, Promise<OpenBackend>>()

/** Opens (once) the backend the page asks for. One that cannot run here rejects with the library's typed error: no silent fallback. */
export function openBackend(mode: AppBackend): Promise<OpenBackend> {
  let pending = open.get(mode)
  if (!pending) {
    pending = registry.resolve(mode).then((resolved) => {
      // gpu.js's webasm says whether its worker pool runs (SharedArrayBuffer exists only on cross-origin-isolated pages).
      const threaded = (resolved.backend as { threaded?: unknown }).threaded
      const threads =
        resolved.backend.mode === 'webasm' && typeof threaded === 'boolean'
          ? threaded
            ? '; threaded: SharedArrayBuffer worker pool'
            : '; single-threaded: the page is not cross-origin isolated'
          : ''
      return { backend: resolved.backend, detail: `${resolved.reason}${threads}` }
    })
    pending.catch(() => open.delete(mode))
    open.set(mode, pending)
  }
  return pending
}
