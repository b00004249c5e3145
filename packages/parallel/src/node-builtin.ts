/**
 * A Node built-in module, found through `process.getBuiltinModule` so no `node:` import reaches browser bundles;
 * undefined outside Node. `T` is the part of the module the caller uses.
 */
export function nodeBuiltin<T>(id: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process
  return p?.getBuiltinModule?.(id) as T | undefined
}
