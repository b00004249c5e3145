/**
 * Node-only: WebGPU for gpu.js through Dawn (the `webgpu` npm package, 0.6.2 — older versions do not
 * load on Debian bookworm's libstdc++). It is an optional peer dependency: install it next to @routesim/gpu. Not imported by the package index; import it from
 * '@routesim/gpu/node'.
 *
 * Dawn needs the Vulkan loader (`libvulkan1`) and a Vulkan driver: a GPU's, or for CI Chromium's
 * SwiftShader (`VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`, set before this runs).
 */
import { BackendUnavailableError } from '@routesim/core'

/** The Dawn build gpu.js runs on here: `webgpu` is an optional peer dependency of @routesim/gpu at this version. */
export const NODE_WEBGPU_VERSION = '0.6.2'
const INSTALL = `npm install webgpu@${NODE_WEBGPU_VERSION}`

/** The installed `webgpu` package's version, as resolved from this package; undefined when it is not installed. */
async function installedWebGpuVersion(): Promise<string | undefined> {
  try {
    const manifest = (await import('webgpu/package.json', { with: { type: 'json' } })) as { default: { version?: unknown } }
    return typeof manifest.default.version === 'string' ? manifest.default.version : 'unknown'
  } catch {
    return undefined
  }
}

export interface NodeWebGpuOptions {
  /** Dawn toggles for `create()`, e.g. `['backend=opengles']` (with EGL_PLATFORM=surfaceless). */
  readonly dawnOptions?: readonly string[] | undefined
  /** Ask for a 'compatibility' feature-level adapter (Dawn's OpenGL ES backend only offers those). */
  readonly compatibility?: boolean | undefined
}

const INSTANCES = Symbol.for('routesim.gpu.dawnInstances')

interface GpuEntryPoint {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>
}

/**
 * Loads Dawn, installs its WebGPU globals (GPUBufferUsage, …) on `globalThis` for gpu.js, and returns
 * the `navigator.gpu`-like entry point to pass as `createGpuBackend({ navigatorGpu })`.
 *
 * @example
 * import { createNodeWebGpu } from '@routesim/gpu/node'
 * const backend = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu() })
 */
export async function createNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<unknown> {
  // gpu.js keeps ONE device per process (its WebGPUContext singleton). The Dawn instance behind that
  // device must outlive it — a second instance replacing it lets the first be collected and Dawn aborts
  // the process — so the instance is kept on globalThis, next to the navigator.gpu it backs.
  const cacheKey = JSON.stringify([options.dawnOptions ?? [], options.compatibility ?? false])
  const slot = globalThis as { [INSTANCES]?: Map<string, unknown> }
  const cached = slot[INSTANCES]?.get(cacheKey)
  if (cached !== undefined) return cached
  // Checked before loading: other versions' Dawn builds fail on load or abort the process.
  const version = await installedWebGpuVersion()
  if (version === undefined) {
    throw new BackendUnavailableError({
      mode: 'webgpu',
      reason: `WebGPU in Node needs the optional peer dependency 'webgpu' (Dawn) at version ${NODE_WEBGPU_VERSION}, which is not installed; run \`${INSTALL}\``,
    })
  }
  if (version !== NODE_WEBGPU_VERSION) {
    throw new BackendUnavailableError({
      mode: 'webgpu',
      reason: `WebGPU in Node needs 'webgpu' (Dawn) version ${NODE_WEBGPU_VERSION}, but version ${version} is installed; run \`${INSTALL}\``,
    })
  }
  let webgpu: { create(options: string[]): unknown; globals: object }
  try {
    webgpu = (await import('webgpu')) as unknown as typeof webgpu
  } catch (error) {
    throw new BackendUnavailableError({
      mode: 'webgpu',
      reason: `the 'webgpu' package (Dawn, version ${NODE_WEBGPU_VERSION}) could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    })
  }
  Object.assign(globalThis, webgpu.globals)
  const gpu = webgpu.create([...(options.dawnOptions ?? [])]) as GpuEntryPoint
  if (options.compatibility) {
    const request = gpu.requestAdapter.bind(gpu)
    gpu.requestAdapter = (adapterOptions) => request({ ...(adapterOptions ?? {}), featureLevel: 'compatibility' })
  }
  ;(slot[INSTANCES] ??= new Map()).set(cacheKey, gpu)
  return gpu
}
