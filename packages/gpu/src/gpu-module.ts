/**
 * The slice of gpu.js 2.24.1 this package uses, typed structurally so that a caller can inject its own
 * copy (a browser bundle's global `GPU`, a test double) and so the main entry never imports gpu.js
 * eagerly.
 */

export interface GpuJsKernelInternals {
  readonly constructor: { readonly name: string; readonly mode?: string }
  readonly fallbackReason?: string | null
  readonly _lastRunPath?: string | null
}

export interface GpuJsKernel {
  (...args: unknown[]): unknown
  readonly kernel: GpuJsKernelInternals
  setRandomSeed?(seed: number): unknown
  destroy?(removeCanvasReferences?: boolean): void
}

export interface GpuJsInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel
  destroy(): unknown
}

export interface GpuJsStatic {
  new (settings?: Record<string, unknown>): GpuJsInstance
  readonly isWebAssemblySupported: boolean
  readonly isWebGPUSupported: boolean
  readonly isWebGL2Supported: boolean
  readonly isWebGLSupported: boolean
  readonly isHeadlessGLSupported: boolean
  isWebGPUAvailable(): Promise<boolean>
}

export interface GpuJsInput {
  readonly value: unknown
  readonly size: readonly number[]
}

export interface WebGpuContextLike {
  readonly adapter: { readonly info?: Record<string, unknown> | undefined; readonly isFallbackAdapter?: boolean }
  readonly device: {
    readonly limits: { readonly maxStorageBufferBindingSize: number; readonly maxComputeWorkgroupsPerDimension: number }
  }
}

/** gpu.js's kernel classes, by the gpu.js mode each implements (their static `mode` is 'gpu' for all GL ones). */
export const KERNEL_CLASS_NAMES = {
  cpu: 'CPUKernel',
  webasm: 'WebAssemblyKernel',
  webgpu: 'WebGPUKernel',
  webgl2: 'WebGL2Kernel',
  webgl: 'WebGLKernel',
  headlessgl: 'HeadlessGLKernel',
} as const

export interface GpuJsModule {
  readonly GPU: GpuJsStatic
  input(value: ArrayLike<number>, size: number[]): GpuJsInput
  readonly WebGPUContext?: { acquire(): Promise<WebGpuContextLike> } | undefined
  readonly [kernelClass: string]: unknown
}

/** What `createGpuBackend({ gpu })` accepts: the module itself, or a function that loads it. */
export type GpuJsModuleSource = GpuJsModule | (() => Promise<unknown> | unknown)

/** gpu.js's exports object, or its browser build's `GPU` class (which carries GPU.GPU, GPU.input, …). */
function isGpuModule(value: unknown): value is GpuJsModule {
  const v = value as Partial<GpuJsModule> | null | undefined
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof v.GPU === 'function' && typeof v.input === 'function'
}

/**
 * Resolves gpu.js from an injected module/loader, or by a lazy dynamic import. gpu.js is CommonJS; an
 * ESM import may hand back the exports object itself or wrap it as `default` — unwrap it here, once.
 */
export async function loadGpuModule(source?: GpuJsModuleSource): Promise<GpuJsModule> {
  let loaded: unknown
  if (source === undefined) {
    loaded = await import('gpu.js')
  } else if (typeof source === 'function' && !isGpuModule(source)) {
    loaded = await (source as () => Promise<unknown> | unknown)()
  } else {
    loaded = source
  }
  const candidates = [loaded, (loaded as { default?: unknown } | null | undefined)?.default]
  for (const candidate of candidates) if (isGpuModule(candidate)) return candidate
  throw new TypeError('The gpu.js module does not export GPU and input (expected gpu.js 2.24.x).')
}
