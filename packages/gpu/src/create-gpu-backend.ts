import { BackendUnavailableError, InvalidArgumentError, validateSampleIdsOptions, validateTopKArguments } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { BackendRun, DeviceStepOptions, KernelBackend, SampleIdsOptions, TopKOptions, TopKOutput } from '@routesim/core'
import { loadGpuModule } from './gpu-module.ts'
import type { GpuJsModule, GpuJsModuleSource } from './gpu-module.ts'
import { chooseSamplerDraw, gpuSampleIds } from './gpu-sampling.ts'
import { checkLogitsForKernel, gpuTopK, topKKernelLimitation } from './gpu-top-k.ts'
import { KernelRunner } from './kernel-runner.ts'
import type { KernelRunInfo } from './kernel-runner.ts'
import { GPU_BACKEND_MODES, chooseAutoMode, probeModes } from './modes.ts'
import type { GpuBackendMode, GpuRunMode, ModeProbes } from './modes.ts'
import { createNavigatorGpuScope } from './navigator-gpu.ts'
import { createResidentRouting } from './resident.ts'
import type { ResidentRouting } from './resident.ts'
import { GL_MAX_ARGUMENT_BYTES, MAX_ARGUMENT_BYTES, MAX_CHUNK_ROWS, SAMPLE_REFERENCE_HANDOFF_SLOTS, TOPK_REFERENCE_HANDOFF_ELEMENTS } from './thresholds.ts'

export interface GpuBackendOptions {
  /** Default 'auto': a hardware WebGPU adapter, else webasm, else cpu (see `autoReason`). */
  readonly mode?: GpuBackendMode | undefined
  /** gpu.js itself, or a function loading it; default: a lazy `import('gpu.js')`. */
  readonly gpu?: GpuJsModuleSource | undefined
  /** A WebGPU entry point (`navigator.gpu`-like) to install for gpu.js, e.g. from `createNodeWebGpu()`. */
  readonly navigatorGpu?: unknown
  /** webasm: split kernels over gpu.js's worker pool. Default: when SharedArrayBuffer is available. */
  readonly threads?: boolean | undefined
  /** webasm: worker pool size (default: gpu.js's, the hardware concurrency). */
  readonly poolSize?: number | undefined
  /**
   * Hand small problems to the reference backend (default true: the thresholds in `thresholds.ts`).
   * false runs every supported problem in kernels (conformance tests do this).
   */
  readonly referenceHandoff?: boolean | undefined
  /** Rows per kernel call, at most (default `MAX_CHUNK_ROWS`; byte limits may make chunks smaller). */
  readonly chunkRows?: number | undefined
}

/** Where the last kernel-backend call ran. */
export interface GpuLastRun extends BackendRun {
  readonly operation: 'topK' | 'histogram' | 'sampleIds'
  /** 'kernel' (gpu.js, in `backend.mode`) or 'reference' (handed off, with the reason). */
  readonly ranOn: 'kernel' | 'reference'
  readonly reason: string
  readonly kernel?: KernelRunInfo | undefined
}

export interface GpuBackend extends KernelBackend {
  readonly name: 'gpu.js'
  readonly mode: GpuRunMode
  /** For mode 'auto': why this mode was chosen. For explicit modes: what it runs on. */
  readonly autoReason: string | undefined
  /** What each mode looked like when the backend was created (available, and why or why not). */
  readonly probes: ModeProbes
  /** webasm: whether kernels run on the worker pool. */
  readonly threaded: boolean
  /** The WebGPU adapter ('nvidia …', 'google swiftshader …') in webgpu mode. */
  readonly adapter: string | undefined
  readonly lastRun: GpuLastRun | undefined
  /**
   * webgpu only (undefined elsewhere): routing whose data stays on the device — ids drawn and counted
   * there, only counts (or the ids asked for) read back. See the README, "Device-resident routing".
   */
  readonly resident: ResidentRouting | undefined
  topK(logits: Float32Array, rows: number, cols: number, options: TopKOptions): Promise<TopKOutput>
  histogram(ids: Int32Array, numExperts: number): Promise<Int32Array>
  sampleIds(options: SampleIdsOptions): Promise<Int32Array>
  dispose(): void
}

function availableModes(probes: ModeProbes): GpuRunMode[] {
  return (Object.keys(probes.modes) as GpuRunMode[]).filter((m) => probes.modes[m].available)
}

/**
 * The gpu.js kernel backend. Never falls back silently: an explicit mode that cannot run here throws
 * `BackendUnavailableError` naming the reason and the modes that can; 'auto' reports its choice in
 * `autoReason`; every kernel call checks that gpu.js really ran in `mode`.
 *
 * @example
 * const backend = await createGpuBackend({ mode: 'webasm' })
 * const { ids, winnerLogits } = await backend.topK(logits, rows, 256, { k: 8, scoring: 'softmax' })
 * backend.dispose()
 */
const GPU_BACKEND_OPTIONS = ['mode', 'gpu', 'navigatorGpu', 'threads', 'poolSize', 'referenceHandoff', 'chunkRows']

export async function createGpuBackend(options: GpuBackendOptions = {}): Promise<GpuBackend> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: 'a GpuBackendOptions object' })
  }
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key !== 'string' || !GPU_BACKEND_OPTIONS.includes(key)) {
      throw new InvalidArgumentError({
        parameter: `createGpuBackend options.${String(key)}`,
        value: (options as Record<PropertyKey, unknown>)[key],
        allowed: `one of the options [${GPU_BACKEND_OPTIONS.join(', ')}]`,
        message: `Unknown option '${String(key)}' for createGpuBackend. Known options: [${GPU_BACKEND_OPTIONS.join(', ')}].`,
      })
    }
  }
  if (options.navigatorGpu === undefined) return createGpuBackendInScope(options, undefined)
  // navigator.gpu is shown to gpu.js only while it works for this backend: no global is left behind.
  const scope = createNavigatorGpuScope(options.navigatorGpu)
  const backend = await scope.run(() => createGpuBackendInScope(options, scope))
  return scope.wrap(backend)
}

async function createGpuBackendInScope(options: GpuBackendOptions, scope: ReturnType<typeof createNavigatorGpuScope> | undefined): Promise<GpuBackend> {
  const requested = options.mode ?? 'auto'
  if (!(GPU_BACKEND_MODES as readonly unknown[]).includes(requested)) {
    throw new InvalidArgumentError({ parameter: 'mode', value: requested, allowed: GPU_BACKEND_MODES.map((m) => `'${m}'`).join(', ') })
  }
  if (options.threads !== undefined && typeof options.threads !== 'boolean') {
    throw new InvalidArgumentError({ parameter: 'threads', value: options.threads, allowed: 'true, false or undefined' })
  }
  if (options.poolSize !== undefined && !(Number.isInteger(options.poolSize) && options.poolSize >= 1)) {
    throw new InvalidArgumentError({ parameter: 'poolSize', value: options.poolSize, allowed: 'an integer ≥ 1' })
  }
  if (options.chunkRows !== undefined && !(Number.isInteger(options.chunkRows) && options.chunkRows >= 1 && options.chunkRows <= MAX_CHUNK_ROWS)) {
    throw new InvalidArgumentError({ parameter: 'chunkRows', value: options.chunkRows, allowed: `an integer in [1, ${MAX_CHUNK_ROWS}]` })
  }
  if (options.referenceHandoff !== undefined && typeof options.referenceHandoff !== 'boolean') {
    throw new InvalidArgumentError({ parameter: 'referenceHandoff', value: options.referenceHandoff, allowed: 'true, false or undefined' })
  }
  const maxChunkRows = options.chunkRows ?? MAX_CHUNK_ROWS

  let module: GpuJsModule
  try {
    module = await loadGpuModule(options.gpu)
  } catch (error) {
    if (options.gpu !== undefined && error instanceof TypeError) {
      throw new InvalidArgumentError({ parameter: 'gpu', value: options.gpu, allowed: 'the gpu.js module (GPU, input) or a function loading it', cause: error })
    }
    throw new BackendUnavailableError({
      mode: requested,
      reason: `gpu.js could not be loaded (${error instanceof Error ? error.message : String(error)})`,
      cause: error,
    })
  }
  const probes = await probeModes(module, { webgpu: requested === 'webgpu' || requested === 'auto' })
  let mode: GpuRunMode
  let autoReason: string | undefined
  if (requested === 'auto') {
    const choice = chooseAutoMode(probes)
    mode = choice.mode
    autoReason = choice.reason
  } else {
    mode = requested
    const probe = probes.modes[mode]
    if (!probe.available) {
      const listed = probes.webGpuProbed ? probes : await probeModes(module, { webgpu: true })
      throw new BackendUnavailableError({ mode, reason: probe.reason, availableModes: availableModes(listed) })
    }
    autoReason = probe.reason
  }
  let threaded = false
  if (mode === 'webasm') {
    if (options.threads === true && !probes.webasmThreads) {
      throw new BackendUnavailableError({
        mode: 'webasm',
        reason: 'threads were requested but SharedArrayBuffer is unavailable (browsers need cross-origin isolation: COOP/COEP headers)',
        availableModes: availableModes(probes),
      })
    }
    threaded = options.threads ?? probes.webasmThreads
  }

  const runner = new KernelRunner(module, { mode, gpuJsMode: probes.modes[mode].gpuJsMode, threads: threaded, poolSize: options.poolSize })
  const reference = createReferenceBackend()
  const handoff = options.referenceHandoff ?? true
  const argumentLimit =
    mode === 'webgpu' && probes.webGpuLimits
      ? Math.min(MAX_ARGUMENT_BYTES, probes.webGpuLimits.maxStorageBufferBindingSize)
      : mode === 'webgl' || mode === 'webgl2'
        ? GL_MAX_ARGUMENT_BYTES
        : MAX_ARGUMENT_BYTES
  // webasm's imported Math.exp stalls its SIMD loop; an arithmetic exp is 3–4× faster there (slower on cpu).
  const polynomialExp = mode === 'webasm'
  let lastRun: GpuLastRun | undefined
  let disposed = false
  const resident = mode === 'webgpu' ? createResidentRouting(module, runner) : undefined

  const assertLive = () => {
    if (disposed) throw new BackendUnavailableError({ mode, reason: 'this backend has been disposed' })
  }

  const residentRouting = resident && scope ? scope.wrap(resident.routing) : resident?.routing
  const backend: GpuBackend = {
    name: 'gpu.js',
    mode,
    // topK throws the reference's error at the first non-finite logit: checkLogitsForKernel scans the host copy
    // before any kernel, or (webgpu) after the device flagged one.
    checksFiniteLogits: true,
    autoReason,
    probes,
    threaded,
    adapter: mode === 'webgpu' ? probes.webGpuAdapter : undefined,
    get lastRun() {
      return lastRun
    },
    async topK(logits, rows, cols, topKOptions) {
      const o = validateTopKArguments(logits, rows, cols, topKOptions)
      assertLive()
      const limitation = topKKernelLimitation(o)
      const small = handoff && o.rows * o.cols < TOPK_REFERENCE_HANDOFF_ELEMENTS
      const chunkRows = Math.max(1, Math.min(maxChunkRows, Math.floor(argumentLimit / (4 * o.cols))))
      if (resident !== undefined && limitation === undefined && !small && o.rows > 0) {
        // webgpu: the router pass on gpu.js's device (logits uploaded into storage buffers; ids, winners' logits
        // and normalisers computed there), not a gpu.js kernel with packed floats. The range check of the
        // logits runs there too; only a flagged call scans on the host, for the reference's error or a hand-off.
        const out = await resident.hostTopK(logits, o, chunkRows)
        if (out !== undefined) {
          lastRun = { operation: 'topK', ranOn: 'kernel', reason: 'webgpu: WGSL router pass', kernel: { gpuJsMode: 'webgpu', path: 'wgsl-router-pass' } }
          return out
        }
      }
      const inRange = checkLogitsForKernel(logits, o.cols)
      if (limitation !== undefined || small || !inRange || o.rows === 0 || resident !== undefined) {
        const reason =
          limitation ??
          (small
            ? `rows × E = ${o.rows * o.cols} < TOPK_REFERENCE_HANDOFF_ELEMENTS`
            : !inRange
              ? 'logits beyond ±1e30'
              : o.rows === 0
                ? 'no rows'
                : 'the device flagged logits out of range that the host scan did not find')
        lastRun = { operation: 'topK', ranOn: 'reference', reason }
        return reference.topK(logits, rows, cols, topKOptions)
      }
      const out = await gpuTopK(logits, o, { runner, polynomialExp, chunkRows })
      lastRun = { operation: 'topK', ranOn: 'kernel', reason: `gpu.js ${mode}`, kernel: runner.lastRun }
      return out
    },
    async histogram(ids, numExperts) {
      assertLive()
      // gpu.js has no scatter/atomics: a gather histogram reads every id once per expert (50–300× slower
      // than this loop on CPU backends), and uploading host ids to a GPU costs more than counting them.
      lastRun = { operation: 'histogram', ranOn: 'reference', reason: 'host ids are counted on the host (gpu.js has no scatter)' }
      return reference.histogram(ids, numExperts)
    },
    async sampleIds(sampleOptions) {
      const o = validateSampleIdsOptions(sampleOptions)
      assertLive()
      const choice = chooseSamplerDraw(o, mode)
      const small = handoff && o.rows * o.k < SAMPLE_REFERENCE_HANDOFF_SLOTS
      if ('reference' in choice || small || o.rows === 0) {
        const reason = 'reference' in choice ? choice.reference : small ? `rows × k < SAMPLE_REFERENCE_HANDOFF_SLOTS` : 'no rows'
        lastRun = { operation: 'sampleIds', ranOn: 'reference', reason }
        return reference.sampleIds(sampleOptions)
      }
      const out = await gpuSampleIds(o, choice.draw, { runner, mode, chunkRows: maxChunkRows, argumentLimit })
      lastRun = { operation: 'sampleIds', ranOn: 'kernel', reason: `gpu.js ${mode}: ${choice.draw}`, kernel: runner.lastRun }
      return out
    },
    resident: residentRouting,
    // webgpu only: the scenario loop's step on the device.
    ...(residentRouting ? { openDeviceStep: (stepOptions: DeviceStepOptions) => residentRouting.openStep(stepOptions) } : {}),
    dispose() {
      if (disposed) return
      disposed = true
      resident?.dispose()
      runner.dispose()
    },
  }
  return backend
}
