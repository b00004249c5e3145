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
