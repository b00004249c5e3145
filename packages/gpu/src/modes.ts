import type { GpuJsModule, WebGpuContextLike } from './gpu-module.ts'

export const GPU_BACKEND_MODES = ['auto', 'webasm', 'webgpu', 'webgl2', 'webgl', 'cpu'] as const
export type GpuBackendMode = (typeof GPU_BACKEND_MODES)[number]
/** A mode that runs (everything but 'auto'). */
export type GpuRunMode = Exclude<GpuBackendMode, 'auto'>

export interface ModeProbe {
  readonly available: boolean
  /** Why it is unavailable, or what it runs on. */
  readonly reason: string
  /** The gpu.js mode string used to construct `new GPU({ mode })`. */
  readonly gpuJsMode: string
}

export interface ModeProbes {
  readonly modes: Readonly<Record<GpuRunMode, ModeProbe>>
  /** WebGPU adapter description when one answered (e.g. 'nvidia nvidia-h100', 'google swiftshader'). */
  readonly webGpuAdapter?: string | undefined
  /** True when the WebGPU adapter is a software rasteriser (SwiftShader, llvmpipe, fallback adapter). */
  readonly webGpuSoftware?: boolean | undefined
  readonly webGpuLimits?: WebGpuContextLike['device']['limits'] | undefined
  /** Whether webasm can use its worker pool (SharedArrayBuffer + workers). */
  readonly webasmThreads: boolean
  /** False when WebGPU was not asked for an adapter (creating one is slow, so only 'webgpu'/'auto' probe). */
  readonly webGpuProbed: boolean
}

function describeAdapter(context: WebGpuContextLike): { text: string; software: boolean } {
  const info = context.adapter.info ?? {}
  const read = (key: string) => {
    const v = (info as Record<string, unknown>)[key]
    return typeof v === 'string' ? v : ''
  }
  const text = [read('vendor'), read('architecture'), read('device'), read('description')].filter(Boolean).join(' ')
  const software = context.adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(text)
  return { text: text || 'unnamed adapter', software }
}

/** Whether webasm threads can run here: shared memory, and (in browsers) cross-origin isolation. */
export function webasmThreadsAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
  return isolated !== false
}

/** Asks gpu.js (and, for WebGPU, the adapter itself) which modes can run in this environment. */
export async function probeModes(gpu: GpuJsModule, options: { webgpu: boolean }): Promise<ModeProbes> {
  const { GPU } = gpu
  const webasmThreads = webasmThreadsAvailable()
  const modes: Record<GpuRunMode, ModeProbe> = {
    cpu: { available: true, reason: 'plain JavaScript kernels (always available)', gpuJsMode: 'cpu' },
    webasm: GPU.isWebAssemblySupported
      ? { available: true, reason: `WebAssembly SIMD${webasmThreads ? ' with worker threads' : ''}`, gpuJsMode: 'webasm' }
      : { available: false, reason: 'WebAssembly is not supported on this platform', gpuJsMode: 'webasm' },
    webgl2: GPU.isWebGL2Supported
      ? { available: true, reason: 'WebGL2 context', gpuJsMode: 'webgl2' }
      : {
          available: false,
          reason: 'no WebGL2 context (WebGL2 runs in browsers; in Node gpu.js only has headless-gl, which is WebGL1)',
          gpuJsMode: 'webgl2',
        },
    webgl: GPU.isWebGLSupported
      ? { available: true, reason: 'WebGL1 context', gpuJsMode: 'webgl' }
      : GPU.isHeadlessGLSupported
        ? { available: true, reason: 'headless-gl (WebGL1 in Node)', gpuJsMode: 'headlessgl' }
        : {
            available: false,
            reason: 'no WebGL context (in Node this needs headless-gl: the optional `gl` package built from source plus an X display, e.g. xvfb-run)',
            gpuJsMode: 'webgl',
          },
    webgpu: { available: false, reason: '', gpuJsMode: 'webgpu' },
  }
  let webGpuAdapter: string | undefined
  let webGpuSoftware: boolean | undefined
  let webGpuLimits: ModeProbes['webGpuLimits']
  if (!GPU.isWebGPUSupported) {
    modes.webgpu = {
      available: false,
      reason: "navigator.gpu is missing (in Node: pass navigatorGpu from `await createNodeWebGpu()` of '@routesim/gpu/node', which needs the `webgpu` package)",
      gpuJsMode: 'webgpu',
    }
  } else if (!options.webgpu) {
    modes.webgpu = { available: false, reason: 'not probed (navigator.gpu exists; ask for it explicitly)', gpuJsMode: 'webgpu' }
  } else if (gpu.WebGPUContext === undefined) {
    modes.webgpu = { available: false, reason: 'this gpu.js build has no WebGPU backend', gpuJsMode: 'webgpu' }
  } else {
    try {
      const context = await gpu.WebGPUContext.acquire()
      const described = describeAdapter(context)
      webGpuAdapter = described.text
      webGpuSoftware = described.software
      webGpuLimits = context.device.limits
      modes.webgpu = {
        available: true,
        reason: `WebGPU adapter ${described.text}${described.software ? ' (software)' : ''}`,
        gpuJsMode: 'webgpu',
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      modes.webgpu = {
        available: false,
        reason: `navigator.gpu exists but no adapter answered (${message.split('\n')[0]}; in Node, Dawn needs libvulkan1 and a Vulkan driver such as VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)`,
        gpuJsMode: 'webgpu',
      }
    }
  }
  return { modes, webGpuAdapter, webGpuSoftware, webGpuLimits, webasmThreads, webGpuProbed: options.webgpu }
}

/**
 * 'auto': a hardware WebGPU adapter first, then webasm, then cpu. GL modes are never auto-picked: their
 * `Math.random` is unusable for sampling and headless-gl fails silently on large inputs; ask for them
 * explicitly. A software WebGPU adapter loses to webasm on the same CPU, so it is not picked either.
 */
export function chooseAutoMode(probes: ModeProbes): { mode: GpuRunMode; reason: string } {
  const { modes } = probes
  if (modes.webgpu.available && probes.webGpuSoftware === false) {
    return { mode: 'webgpu', reason: `hardware WebGPU adapter found (${probes.webGpuAdapter})` }
  }
  const skipped = modes.webgpu.available
    ? `the WebGPU adapter is software (${probes.webGpuAdapter}), slower than webasm on the same CPU`
    : `no WebGPU: ${modes.webgpu.reason}`
  if (modes.webasm.available) {
    return { mode: 'webasm', reason: `${skipped}; webasm ${probes.webasmThreads ? 'with threads ' : ''}is next` }
  }
  return { mode: 'cpu', reason: `${skipped}; ${modes.webasm.reason}; cpu is the last resort` }
}
