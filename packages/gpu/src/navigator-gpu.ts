/**
 * gpu.js finds WebGPU through the global `navigator.gpu`. Installs an injected entry point there (Node
 * has no `navigator` before v21, and Node 21+'s has no `gpu`); an existing `navigator.gpu` is replaced
 * only by a different object. Browser-safe: touches globals only.
 */
export function installNavigatorGpu(gpu: unknown): void {
  const g = globalThis as { navigator?: { gpu?: unknown } }
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true })
    return
  }
  if (g.navigator.gpu === gpu) return
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true })
}

/** Runs work with `navigator.gpu` set, restoring the global as it was once no run is in flight. */
export interface NavigatorGpuScope {
  /** Sync work, or async work (the global stays set until its promise settles). */
  run<T>(work: () => T): T
  /** A copy of `target` whose methods run in this scope. */
  wrap<T extends object>(target: T): T
}

/**
 * A scope that shows `gpu` as `navigator.gpu` only while gpu.js works for one backend (probing, kernel
 * builds, runs), so `createGpuBackend({ navigatorGpu })` leaves no global behind. Overlapping runs share
 * one installation; the last to finish restores what was there (or removes the `navigator` it added).
 */
export function createNavigatorGpuScope(gpu: unknown): NavigatorGpuScope {
  let active = 0
  let restore: (() => void) | undefined
  const enter = () => {
    if (active++ > 0) return
    const g = globalThis as { navigator?: { gpu?: unknown } }
    if (g.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true })
      restore = () => void delete (globalThis as { navigator?: unknown }).navigator
      return
    }
    const target = g.navigator
    const previous = Object.getOwnPropertyDescriptor(target, 'gpu')
    Object.defineProperty(target, 'gpu', { value: gpu, configurable: true, writable: true })
    restore = () => {
      if (previous) Object.defineProperty(target, 'gpu', previous)
      else delete (target as { gpu?: unknown }).gpu
    }
  }
  const leave = () => {
    if (--active > 0) return
    restore?.()
    restore = undefined
  }
  const run = <T>(work: () => T): T => {
    enter()
    let result: T
    try {
      result = work()
    } catch (error) {
      leave()
      throw error
    }
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      return (result as unknown as Promise<unknown>).finally(leave) as T
    }
    leave()
    return result
  }
  const wrap = <T extends object>(target: T): T => {
    const copy: Record<string | symbol, unknown> = {}
    for (const key of Reflect.ownKeys(target)) {
      const descriptor = Object.getOwnPropertyDescriptor(target, key)!
      if (descriptor.get) {
        Object.defineProperty(copy, key, { get: () => (target as Record<string | symbol, unknown>)[key], enumerable: descriptor.enumerable ?? false })
        continue
      }
      const value = descriptor.value as unknown
      copy[key] = typeof value === 'function' ? (...args: unknown[]) => run(() => (value as (...a: unknown[]) => unknown).apply(target, args)) : value
    }
    return copy as T
  }
  return { run, wrap }
}
