import { BackendUnavailableError, InvalidArgumentError } from '@routesim/core'
import type { KernelBackend } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type * as GpuPackage from '@routesim/gpu'
import { WASM_REASON } from './chunk-backend.ts'

/** The backend names every registry from `createBackendRegistry()` knows, in the order they are listed. */
export const BACKEND_CHOICES = ['auto', 'reference', 'wasm', 'webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'] as const
export type BuiltInBackendChoice = (typeof BACKEND_CHOICES)[number]
/** The gpu.js modes of `@routesim/gpu` the registry offers (gpu.js's own 'auto' is not one: 'auto' is the registry's). */
export const GPU_BACKEND_CHOICES = ['webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'] as const

/** A backend opened by a registry, with the reason it was chosen. Dispose it when done. */
export interface ResolvedBackend {
  readonly backend: KernelBackend
  /** The name that was asked for ('auto', 'wasm', …); `backend.name`/`backend.mode` say what it became. */
  readonly requested: string
  /** Why this backend: for 'auto' the decision and what was passed over, else what it runs on. */
  readonly reason: string
  dispose(): void
}

/** What a factory gets: the registry's options and a way to open another registered backend. */
export interface BackendFactoryContext {
  /** From `BackendRegistryOptions.navigatorGpu`; undefined when the host needs none (browsers) or has none. */
  readonly navigatorGpu: (() => Promise<unknown>) | undefined
  /** Opens another registered backend (so one choice can build on another, as 'auto' does). */
  resolve(name: string): Promise<ResolvedBackend>
}

/** Opens one backend. Throws `BackendUnavailableError` when it cannot run here — never a silent substitute. */
export type BackendFactory = (context: BackendFactoryContext) => Promise<{ readonly backend: KernelBackend; readonly reason: string }>

export interface BackendRegistryOptions {
  /** Register the built-in choices (`BACKEND_CHOICES`). Default true. */
  readonly builtIns?: boolean | undefined
  /**
   * Provides a WebGPU entry point (`navigator.gpu`-like) for gpu.js where the host has none; Node programs
   * pass `createNodeWebGpu` from `@routesim/gpu/node` (Dawn). Called for 'webgpu' and for 'auto', where a
   * failure only means auto chooses another backend.
   */
  readonly navigatorGpu?: (() => Promise<unknown>) | undefined
}

/** Named kernel backends: the one place that decides which backend a request runs on. */
export interface BackendRegistry {
  /** Registered names, in registration order. */
  names(): string[]
  has(name: string): boolean
  /** Registers a factory; an existing name is an error unless `{ replace: true }`. */
  register(name: string, factory: BackendFactory, options?: { readonly replace?: boolean }): void
  /**
   * Opens the named backend and says why. An explicit choice that cannot run here throws
   * `BackendUnavailableError`; 'auto' picks the best that can and names what it passed over.
   */
  resolve(name: string): Promise<ResolvedBackend>
}

async function openGpu(
  mode: (typeof GPU_BACKEND_CHOICES)[number] | 'auto',
  context: BackendFactoryContext,
): Promise<{ backend: KernelBackend & { autoReason?: string | undefined }; reason: string }> {
  let gpu: typeof GpuPackage
  try {
    gpu = await import('@routesim/gpu')
  } catch (error) {
    throw new BackendUnavailableError({
      mode,
      reason: `@routesim/gpu could not be loaded (${error instanceof Error ? error.message : String(error)}); install it to use gpu.js modes`,
      cause: error,
    })
  }
  // For an explicit 'webgpu' a failing provider's error is the answer; for 'auto' it only rules WebGPU out.
  let navigatorGpu: unknown
  if (context.navigatorGpu !== undefined && mode === 'webgpu') navigatorGpu = await context.navigatorGpu()
  else if (context.navigatorGpu !== undefined && mode === 'auto') navigatorGpu = await context.navigatorGpu().catch(() => undefined)
  const backend = await gpu.createGpuBackend({ mode, ...(navigatorGpu === undefined ? {} : { navigatorGpu }) })
  return { backend, reason: backend.autoReason ?? `gpu.js ${backend.mode}` }
}

function builtInFactories(): [string, BackendFactory][] {
  const factories: [string, BackendFactory][] = [
    // A hardware WebGPU adapter when there is one; on the CPU the wasm backend beats gpu.js's CPU modes
    // (docs/performance.md), and gpu.js's own choice is the last resort.
    [
      'auto',
      async (context) => {
        const gpu = await openGpu('auto', context).catch((error: unknown) => ({ error }))
        if ('backend' in gpu && gpu.backend.mode === 'webgpu') return { backend: gpu.backend, reason: `auto: ${gpu.reason}` }
        const passedOver =
          'backend' in gpu ? (gpu.backend.autoReason ?? `gpu.js chose ${gpu.backend.mode}`) : `gpu.js is unavailable (${describeError(gpu.error)})`
        try {
          const wasm = await context.resolve('wasm')
          if ('backend' in gpu) gpu.backend.dispose?.()
          return { backend: wasm.backend, reason: `auto: ${passedOver}; on the CPU the wasm backend is faster than gpu.js's CPU modes` }
        } catch (wasmError) {
          if ('backend' in gpu) return { backend: gpu.backend, reason: `auto: ${passedOver}; wasm is unavailable (${describeError(wasmError)})` }
          throw new BackendUnavailableError({ mode: 'auto', reason: `neither gpu.js nor wasm can run here: ${passedOver}; ${describeError(wasmError)}` })
        }
      },
    ],
    ['reference', async () => ({ backend: createReferenceBackend(), reason: 'plain TypeScript kernels (the reference every backend is tested against)' })],
    [
      'wasm',
      async () => {
        const { createWasmBackend } = await import('@routesim/wasm')
        return { backend: await createWasmBackend(), reason: WASM_REASON }
      },
    ],
  ]
  for (const mode of GPU_BACKEND_CHOICES) factories.push([mode, (context) => openGpu(mode, context)])
  return factories
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.trim() !== name || name.length > 64 || /[\p{Cc}\p{Cf}]/u.test(name)) {
    throw new InvalidArgumentError({ parameter: 'backend name', value: name, allowed: 'a non-empty printable name of at most 64 characters' })
  }
  return name
}

/**
 * A registry of kernel backends. The built-ins: 'auto' (a hardware WebGPU adapter, else wasm, else
 * gpu.js's CPU choice), 'reference' (`@routesim/backend-cpu`), 'wasm' (`@routesim/wasm`) and the gpu.js
 * modes of `@routesim/gpu`, each loaded only when asked for. Nothing is shared between registries.
 *
 * @example
 * const registry = createBackendRegistry()
 * const { backend, reason } = await registry.resolve('auto')
 */
export function createBackendRegistry(options: BackendRegistryOptions = {}): BackendRegistry {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ parameter: 'createBackendRegistry options', value: options, allowed: 'an object with [builtIns, navigatorGpu]' })
  }
  for (const key of Reflect.ownKeys(options)) {
    if (key !== 'builtIns' && key !== 'navigatorGpu') {
      throw new InvalidArgumentError({
        parameter: `createBackendRegistry options.${String(key)}`,
        value: (options as Record<PropertyKey, unknown>)[key],
        allowed: 'one of the options [builtIns, navigatorGpu]',
      })
    }
  }
  if (options.navigatorGpu !== undefined && typeof options.navigatorGpu !== 'function') {
    throw new InvalidArgumentError({
      parameter: 'createBackendRegistry options.navigatorGpu',
      value: options.navigatorGpu,
      allowed: 'a function returning a navigator.gpu-like object, or undefined',
    })
  }
  const factories = new Map<string, BackendFactory>()
  const registry: BackendRegistry = {
    names: () => [...factories.keys()],
    has: (name) => factories.has(name),
    register(name, factory, registerOptions = {}) {
      const key = checkName(name)
      if (typeof factory !== 'function') throw new InvalidArgumentError({ parameter: 'factory', value: factory, allowed: 'a function opening a KernelBackend' })
      if (factories.has(key) && registerOptions.replace !== true) {
        throw new InvalidArgumentError({ parameter: 'name', value: key, allowed: `a name not yet registered (pass { replace: true } to replace '${key}')` })
      }
      factories.set(key, factory)
    },
    async resolve(name) {
      const factory = typeof name === 'string' ? factories.get(name) : undefined
      if (factory === undefined) {
        throw new InvalidArgumentError({
          parameter: 'backend',
          value: name,
          allowed: registry
            .names()
            .map((n) => `'${n}'`)
            .join(', '),
        })
      }
      const { backend, reason } = await factory(context)
      return { backend, requested: name, reason, dispose: () => backend.dispose?.() }
    },
  }
  const context: BackendFactoryContext = { navigatorGpu: options.navigatorGpu, resolve: (name) => registry.resolve(name) }
  if (options.builtIns !== false) for (const [name, factory] of builtInFactories()) factories.set(name, factory)
  return registry
}

/** Opens a backend by name with a fresh built-in registry: `resolveBackend('auto')` → `{ backend, reason }`. */
export function resolveBackend(name: string, options: BackendRegistryOptions = {}): Promise<ResolvedBackend> {
  return createBackendRegistry(options).resolve(name)
}
