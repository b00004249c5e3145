// The backend
export { createGpuBackend } from './create-gpu-backend.ts'
export type { GpuBackend, GpuBackendOptions, GpuLastRun } from './create-gpu-backend.ts'

// Modes
export { GPU_BACKEND_MODES, chooseAutoMode, probeModes } from './modes.ts'
export type { GpuBackendMode, GpuRunMode, ModeProbe, ModeProbes } from './modes.ts'

// Loading gpu.js
export { loadGpuModule } from './gpu-module.ts'
export type { GpuJsModule, GpuJsModuleSource } from './gpu-module.ts'
export { installNavigatorGpu } from './navigator-gpu.ts'

// Limits and hand-off thresholds
export {
  GL_MAX_ARGUMENT_BYTES,
  KERNEL_MAX_EXPERTS,
  KERNEL_MAX_GROUPS,
  KERNEL_MAX_TOPK,
  KERNEL_VALUE_LIMIT,
  MAX_ARGUMENT_BYTES,
  MAX_CHUNK_ROWS,
  REJECTION_MAX_MASS,
  REJECTION_MAX_TRIES,
  SAMPLE_REFERENCE_HANDOFF_SLOTS,
  STEP_MAX_ID_BYTES,
  TOPK_REFERENCE_HANDOFF_ELEMENTS,
} from './thresholds.ts'
export { KERNEL_MAX_GROUP_TOPN } from './gpu-top-k.ts'

// Kernel source generators (for inspection and custom pipelines)
export { PER_GROUP_SLOT_BUDGET, normaliserSource, packingFor, samplerSource, topKSource } from './kernel-source.ts'
export type { GeneratedKernel, Packing, SamplerDraw, SamplerSourceOptions, TopKSourceOptions } from './kernel-source.ts'

// Device-resident routing (webgpu)
export type { ResidentRouting, ResidentSampleOptions } from './resident.ts'
export { RESIDENT_CHUNK_ROWS } from './resident-top-k.ts'
export { stepPassSource } from './step-pass.ts'
export type { StepPassSpec } from './step-pass.ts'
export type { ResidentLogits, ResidentTopK, ResidentTopKOutput } from './resident-top-k.ts'
export type { RouteOutputs } from './router-pass.ts'
