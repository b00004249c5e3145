/**
 * The parts of WebGPU the hand-written passes use, typed structurally (the package does not depend on
 * WebGPU typings), and a pool of reusable device buffers.
 */

// WebGPU enum values (spec constants), so this file needs no WebGPU globals.
export const USAGE_MAP_READ = 0x0001
export const USAGE_MAP_WRITE = 0x0002
export const USAGE_COPY_SRC = 0x0004
export const USAGE_COPY_DST = 0x0008
export const USAGE_UNIFORM = 0x0040
export const USAGE_STORAGE = 0x0080
export const MAP_MODE_READ = 0x0001
export const MAP_MODE_WRITE = 0x0002

export interface Buffer {
  readonly size: number
  destroy(): void
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>
  getMappedRange(offset?: number, size?: number): ArrayBuffer
  unmap(): void
}
export interface ComputePipeline {
  getBindGroupLayout(index: number): unknown
}
export interface CommandEncoder {
  clearBuffer(buffer: Buffer, offset?: number, size?: number): void
  beginComputePass(): {
    setPipeline(pipeline: ComputePipeline): void
    setBindGroup(index: number, group: unknown): void
    dispatchWorkgroups(x: number, y: number): void
    end(): void
  }
  copyBufferToBuffer(source: Buffer, sourceOffset: number, target: Buffer, targetOffset: number, size: number): void
  finish(): unknown
}
export interface Device {
  createBuffer(descriptor: { size: number; usage: number }): Buffer
  createShaderModule(descriptor: { code: string }): unknown
  createComputePipeline(descriptor: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): ComputePipeline
  createBindGroup(descriptor: { layout: unknown; entries: { binding: number; resource: { buffer: Buffer; offset?: number; size?: number } }[] }): unknown
  createCommandEncoder(): CommandEncoder
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void
  popErrorScope(): Promise<{ readonly message: string } | null>
  readonly queue: { writeBuffer(buffer: Buffer, offset: number, data: ArrayBufferView): void; submit(commands: unknown[]): void }
}

/**
 * Device buffers reused across calls, by name: allocating (and zero-filling) a large buffer per call costs
 * more than the work. A buffer grows when a call needs more and never shrinks; callers map and copy only
 * the bytes they use, so a large buffer left by an earlier call costs nothing later.
 */
export class BufferPool {
  readonly #buffers = new Map<string, Buffer>()

  get(device: Device, name: string, size: number, usage: number): Buffer {
    const existing = this.#buffers.get(name)
    if (existing !== undefined && existing.size >= size) return existing
    existing?.destroy()
    // 4-byte multiples: copies and maps need them
    const created = device.createBuffer({ size: Math.max(4, Math.ceil(size / 4) * 4), usage })
    this.#buffers.set(name, created)
    return created
  }

  dispose(): void {
    for (const b of this.#buffers.values()) b.destroy()
    this.#buffers.clear()
  }
}

/**
 * Runs `record` (bind groups, encoding, submit) under validation and out-of-memory error scopes, and
 * `readBack` alongside them: WebGPU reports such errors asynchronously, and a rejected submit would
 * otherwise read back zeros, silently. Throws the device's message instead.
 */
export async function checkedSubmit<T>(device: Device, record: () => void, readBack: () => Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory')
  device.pushErrorScope('validation')
  try {
    record()
  } catch (error) {
    void device.popErrorScope().catch(() => undefined)
    void device.popErrorScope().catch(() => undefined)
    throw error
  }
  const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()])
  const [checked, read] = await Promise.allSettled([scopes, readBack()])
  if (checked.status === 'rejected') throw checked.reason
  const error = checked.value[0] ?? checked.value[1]
  if (error !== null) throw new Error(`WebGPU rejected the pass: ${error.message}`)
  if (read.status === 'rejected') throw read.reason
  return read.value
}

/** Workgroups for `threads` threads of `size` each, folded over y past the 65,535-per-dimension limit. */
export function dispatchFor(threads: number, size: number): { x: number; y: number; width: number } {
  const groups = Math.max(1, Math.ceil(threads / size))
  const x = Math.min(groups, 65_535)
  const y = Math.ceil(groups / x)
  return { x, y, width: x * size }
}
