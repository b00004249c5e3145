import { KERNEL_MODULE_BASE64 } from './kernel-module.ts'

/** The compiled kernels' exports (asm/top-k.ts). */
export interface KernelExports {
  readonly memory: WebAssembly.Memory
  scratchBase(): number
  topKRows(inPtr: number, rows: number, cols: number, k: number, idsPtr: number, valsPtr: number, candPtr: number): number
  sigmoidTopKRows(
    inPtr: number,
    rows: number,
    cols: number,
    k: number,
    numGroups: number,
    topkGroup: number,
    top2: number,
    biasPtr: number,
    eps: number,
    groupEps: number,
    idsPtr: number,
    flagsPtr: number,
    scratchPtr: number,
  ): number
  sigmoidApprox(inPtr: number, n: number, outPtr: number): void
  /** Uniform 8-distinct rows of 256 ids from byte slices (asm/sample-distinct.ts); 1 when done, 0 to refill the words. */
  distinctBytes8(statePtr: number, wordsPtr: number, outPtr: number, stampPtr: number): number
  /** Scratch bytes each kernel needs past its scratch pointer (the kernels state their own layout). */
  topKScratchBytes(cols: number): number
  sigmoidScratchBytes(cols: number, numGroups: number): number
}

/** The module's bytes (base64 → binary with `atob`, present in browsers and Node ≥ 16). */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(KERNEL_MODULE_BASE64)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

/** Why the kernels cannot run in this engine, or undefined when they can (SIMD is validated, not assumed). */
export function kernelUnavailableReason(bytes: Uint8Array<ArrayBuffer>): string | undefined {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return 'this engine has no WebAssembly'
  if (!WebAssembly.validate(bytes)) return 'this engine rejects the kernel module (WebAssembly SIMD, fixed-width 128-bit, is required)'
  return undefined
}

/** A fresh instance: each backend owns its memory, so two backends never share scratch space. */
export async function instantiateKernels(bytes: Uint8Array<ArrayBuffer>): Promise<KernelExports> {
  const { instance } = await WebAssembly.instantiate(bytes, {})
  return instance.exports as unknown as KernelExports
}

/** The same, compiled and instantiated synchronously. */
export function instantiateKernelsSync(bytes: Uint8Array<ArrayBuffer>): KernelExports {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports
}
