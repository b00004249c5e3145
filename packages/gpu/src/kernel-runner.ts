import { BackendUnavailableError } from '@routesim/core'
import { KERNEL_CLASS_NAMES } from './gpu-module.ts'
import type { GpuJsInstance, GpuJsKernel, GpuJsKernelInternals, GpuJsModule } from './gpu-module.ts'
import type { GpuRunMode } from './modes.ts'

/** What a kernel call reports about where it ran (gpu.js introspection). */
export interface KernelRunInfo {
  /** gpu.js kernel class mode: 'cpu' | 'webasm' | 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl'. */
  readonly gpuJsMode: string
  /** webasm only: 'threaded' | 'simd' | … (gpu.js `_lastRunPath`). */
  readonly path?: string | undefined
}

export interface KernelSpec {
  readonly key: string
  readonly source: string
  readonly cells: number
  readonly constants: Readonly<Record<string, number>>
  /** gpu.js output dimensions; default `[cells]`. */
  readonly output?: readonly number[]
  /** Default 'Array(4)' (results flattened to `cells · 4` floats); 'Number' for one float per cell. */
  readonly returnType?: 'Array(4)' | 'Number'
}

/** Options the backend fixes for every kernel it creates. */
export interface KernelRunnerOptions {
  readonly mode: GpuRunMode
  readonly gpuJsMode: string
  /** webasm: run kernels under the async contract so gpu.js splits them over its worker pool. */
  readonly threads: boolean
  readonly poolSize?: number | undefined
}

/**
 * Owns one gpu.js instance and a cache of compiled kernels. Every call checks that the kernel really
 * ran in the requested mode (gpu.js degrades silently, e.g. webasm → cpu) and throws if not.
 */
export class KernelRunner {
  readonly #gpu: GpuJsInstance
  readonly #module: GpuJsModule
  readonly #options: KernelRunnerOptions
  readonly #kernels = new Map<string, GpuJsKernel>()
  #lastRun: KernelRunInfo | undefined
  #disposed = false

  constructor(module: GpuJsModule, options: KernelRunnerOptions) {
    this.#module = module
    this.#options = options
    this.#gpu = new module.GPU({ mode: options.gpuJsMode })
  }

  get lastRun(): KernelRunInfo | undefined {
    return this.#lastRun
  }

  input(data: Float32Array, size: number[]): unknown {
    return this.#module.input(data, size)
  }

  #kernel(spec: KernelSpec, pipeline = false): GpuJsKernel {
    if (this.#disposed) throw new BackendUnavailableError({ mode: this.#options.mode, reason: 'this backend has been disposed' })
    const key = pipeline ? `pipeline:${spec.key}` : spec.key
    let kernel = this.#kernels.get(key)
    if (kernel === undefined) {
      const async = this.#options.mode === 'webgpu' || (this.#options.mode === 'webasm' && this.#options.threads)
      kernel = this.#gpu.createKernel(spec.source, {
        output: spec.output ? [...spec.output] : [spec.cells],
        returnType: spec.returnType ?? 'Array(4)',
        constants: spec.constants,
        precision: 'single',
        tactic: 'precision',
        dynamicOutput: false,
        dynamicArguments: false,
        ...(async ? { asyncMode: true } : {}),
        ...(pipeline ? { pipeline: true } : {}),
        ...(this.#options.poolSize !== undefined ? { poolSize: this.#options.poolSize } : {}),
      })
      this.#kernels.set(key, kernel)
    }
    return kernel
  }

  /** Runs a kernel; an `Array(4)` result comes back as one flat Float32Array of `cells · 4` values. */
  async run(spec: KernelSpec, args: unknown[], randomSeed?: number): Promise<Float32Array> {
    const kernel = this.#kernel(spec)
    keepVectorOutputFlat(kernel)
    if (randomSeed !== undefined) {
      if (typeof kernel.setRandomSeed !== 'function') {
        throw new BackendUnavailableError({ mode: this.#options.mode, reason: 'this gpu.js build cannot seed Math.random' })
      }
      kernel.setRandomSeed(randomSeed >>> 0)
    }
    const result = await kernel(...args)
    this.#verify(kernel, spec.cells)
    if (spec.returnType === 'Number') return result instanceof Float32Array ? result : Float32Array.from(result as ArrayLike<number>)
    return flattenCells(result, spec.cells)
  }

  /**
   * Runs a kernel with `pipeline: true`: the result stays on the device (on webgpu a
   * `WebGPUBufferResult` whose `.buffer` is the output storage buffer). The caller deletes it.
   */
  async runResident(spec: KernelSpec, args: unknown[], randomSeed?: number): Promise<unknown> {
    const kernel = this.#kernel(spec, true)
    if (randomSeed !== undefined) kernel.setRandomSeed?.(randomSeed >>> 0)
    const result = await kernel(...args)
    this.#verify(kernel, spec.cells)
    return result
  }

  /**
   * The gpu.js mode of a kernel instance, by its exact class (GL kernels all report static mode 'gpu',
   * and WebGL2Kernel / HeadlessGLKernel extend WebGLKernel, so neither `mode` nor `instanceof` tells).
   */
  #ranMode(internals: GpuJsKernelInternals): string {
    const prototype = Object.getPrototypeOf(internals) as unknown
    for (const [mode, className] of Object.entries(KERNEL_CLASS_NAMES)) {
      const kernelClass = this.#module[className] as { prototype?: unknown } | undefined
      if (kernelClass?.prototype !== undefined && kernelClass.prototype === prototype) return mode
    }
    return internals.constructor.mode ?? internals.constructor.name
  }

  #verify(kernel: GpuJsKernel, cells: number): void {
    const internals = kernel.kernel
    const ran = this.#ranMode(internals)
    const path = internals._lastRunPath ?? undefined
    this.#lastRun = { gpuJsMode: ran, path }
    if (ran !== this.#options.gpuJsMode) {
      throw new BackendUnavailableError({
        mode: this.#options.mode,
        reason: `gpu.js ran the kernel on '${ran}' instead of '${this.#options.gpuJsMode}'${internals.fallbackReason ? ` (${internals.fallbackReason})` : ''}`,
      })
    }
    // gpu.js splits over workers only from 4096 cells on; below that one thread is the expected path.
    if (this.#options.mode === 'webasm' && this.#options.threads && cells >= 4096 && path !== 'threaded') {
      throw new BackendUnavailableError({
        mode: 'webasm',
        reason: `webasm threads were requested but the kernel ran on the '${String(path)}' path (no SharedArrayBuffer or workers?)`,
      })
    }
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    for (const kernel of this.#kernels.values()) kernel.destroy?.()
    this.#kernels.clear()
    this.#gpu.destroy()
  }
}

const FLAT = Symbol('routesim.gpu.flatOutput')

/**
 * gpu.js 2.24.1's webasm and webgpu kernels shape an `Array(n)` result by creating one typed-array view
 * per cell (`_shapeOutput`); for a million cells that costs more than the kernel. Both pass it a fresh
 * copy of the output, so this kernel instance returns that flat copy instead. Other backends (no
 * `_shapeOutput`) keep gpu.js's shape, which `flattenCells` copies.
 */
function keepVectorOutputFlat(kernel: GpuJsKernel): void {
  const internals = kernel.kernel as unknown as Record<PropertyKey, unknown> | undefined
  if (internals === undefined || internals[FLAT] === true || typeof internals['_shapeOutput'] !== 'function') return
  const shape = internals['_shapeOutput'] as (data: Float32Array, output: number[], componentCount: number) => unknown
  internals['_shapeOutput'] = function (this: unknown, data: Float32Array, output: number[], componentCount: number) {
    return componentCount > 1 ? data : shape.call(this, data, output, componentCount)
  }
  internals[FLAT] = true
}

/**
 * gpu.js returns an `Array(4)` output as an array of 4-float views. On webasm and webgpu they are
 * consecutive views of one buffer, which is read in place; anything else is copied.
 */
export function flattenCells(result: unknown, cells: number): Float32Array {
  if (result instanceof Float32Array && result.length === cells * 4) return result
  const views = result as ArrayLike<ArrayLike<number>>
  if (cells === 0) return new Float32Array(0)
  const first = views[0]
  const last = views[cells - 1]
  if (
    views.length === cells &&
    first instanceof Float32Array &&
    last instanceof Float32Array &&
    first.buffer === last.buffer &&
    last.byteOffset - first.byteOffset === (cells - 1) * 16
  ) {
    return new Float32Array(first.buffer, first.byteOffset, cells * 4)
  }
  const flat = new Float32Array(cells * 4)
  for (let c = 0; c < cells; c++) {
    const cell = views[c]!
    for (let f = 0; f < 4; f++) flat[c * 4 + f] = cell[f]!
  }
  return flat
}
