import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve as resolvePath } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Command } from 'commander'
import { resolve as resolveImport } from 'import-meta-resolve'
import { RoutesimError, isStrategyDefinition } from '@routesim/core'
import type { RoutingStrategy, Seed, StrategyDefinition } from '@routesim/core'
import { createSimulator, type Simulator } from '@routesim/simulator'
import { PluginError } from './plugin-error.ts'
import { registerTraceStrategy } from './trace-strategy.ts'

/** How long one plugin's import may take (its top-level await included) before it is reported. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000

/** `ROUTESIM_PLUGIN_TIMEOUT_MS` overrides the bound (tests use a short one). */
function pluginTimeoutMs(): number {
  const raw = process.env['ROUTESIM_PLUGIN_TIMEOUT_MS']
  const value = raw === undefined ? Number.NaN : Number(raw)
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_PLUGIN_TIMEOUT_MS
}

function isPath(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:')
}

/**
 * The URL a `--plugin` specifier imports: paths relative to `cwd`; package names resolved the way
 * an `import` statement in a file in `cwd` would (Node's ESM resolver with the `import` condition,
 * so ESM-only packages resolve too).
 */
export function pluginUrl(specifier: string, cwd: string): string {
  if (specifier.startsWith('file:')) return specifier
  if (isPath(specifier)) {
    const path = resolvePath(cwd, specifier)
    if (!existsSync(path)) throw new PluginError({ plugin: specifier, problem: `no such file: ${path}` })
    return pathToFileURL(path).href
  }
  try {
    return resolveImport(specifier, pathToFileURL(join(cwd, 'routesim-plugin-parent.js')).href)
  } catch (error) {
    throw new PluginError({
      plugin: specifier,
      problem: `cannot resolve it from ${cwd} (install it there with \`npm install ${specifier}\`, or give a path): ${(error as Error).message}`,
      cause: error,
    })
  }
}

/** Imports a module, giving up after `timeoutMs` (a top-level await that never settles must not hang the CLI). */
async function importBounded(specifier: string, url: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    // Not unref'd: while the import is pending, this timer is what keeps the process alive to report it.
    timer = setTimeout(
      () => reject(new PluginError({ plugin: specifier, problem: `its import did not finish within ${timeoutMs} ms (a top-level await that never settles?)` })),
      timeoutMs,
    )
  })
  try {
    return (await Promise.race([import(url) as Promise<Record<string, unknown>>, timeout])) as Record<string, unknown>
  } catch (error) {
    if (PluginError.isInstance(error)) throw error
    throw new PluginError({ plugin: specifier, problem: `importing it failed: ${error instanceof Error ? error.message : String(error)}`, cause: error })
  } finally {
    clearTimeout(timer)
  }
}

/** Every `StrategyDefinition` a module exports (named exports, a default export, or arrays of them). */
function definitionsOf(module: Record<string, unknown>): StrategyDefinition[] {
  const found: StrategyDefinition[] = []
  for (const value of Object.values(module)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (isStrategyDefinition(item) && !found.includes(item)) found.push(item)
    }
  }
  return found
}

/** Runs plugin code; anything it throws that is not a routesim error is reported as the plugin's failure. */
function attributed<T>(plugin: string, strategyName: string, run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (RoutesimError.isInstance(error)) throw error
    throw new PluginError({ plugin, strategyName, problem: `it threw ${error instanceof Error ? error.message : String(error)}`, cause: error })
  }
}

/** The definition with its `create` and `routeTokens` calls attributed to the plugin they came from. */
function attribute(plugin: string, definition: StrategyDefinition): StrategyDefinition {
  return {
    ...definition,
    // Carried to the registry, so result-guard errors name the plugin too.
    plugin,
    create: (params, options) => {
      const strategy = attributed(plugin, definition.name, () => definition.create(params, options))
      const wrapped: RoutingStrategy = Object.create(strategy) as RoutingStrategy
      wrapped.routeTokens = (...args) => attributed(plugin, definition.name, () => strategy.routeTokens(...args))
      return wrapped
    },
  }
}

/**
 * Loads strategy plugins: npm packages or files that export definitions made with `defineStrategy`
 * (see docs/writing-a-strategy.md). Any failure is a {@link PluginError} naming the plugin.
 */
export async function loadPlugins(specifiers: readonly string[], cwd = process.cwd()): Promise<StrategyDefinition[]> {
  const definitions: StrategyDefinition[] = []
  const timeoutMs = pluginTimeoutMs()
  for (const specifier of specifiers) {
    const module = await importBounded(specifier, pluginUrl(specifier, cwd), timeoutMs)
    const found = definitionsOf(module)
    if (found.length === 0) {
      throw new PluginError({ plugin: specifier, problem: 'it exports no strategy definitions (make them with defineStrategy from @routesim/core)' })
    }
    definitions.push(...found.map((definition) => attribute(specifier, definition)))
  }
  return definitions
}

/** The `--plugin` values given anywhere on the command line (before or after the command). */
export function pluginSpecifiers(command: Command): string[] {
  return (command.optsWithGlobals() as { plugin?: string[] }).plugin ?? []
}

/** A seeded simulator with the built-ins, every `--plugin` strategy and, with `--trace`, `replay` registered (a clash is an error). */
export async function createCliSimulator(command: Command, seed: Seed): Promise<{ simulator: Simulator; plugins: StrategyDefinition[] }> {
  const simulator = createSimulator({ seed })
  const plugins = await loadPlugins(pluginSpecifiers(command))
  for (const definition of plugins) simulator.registerStrategy(definition.name, definition)
  registerTraceStrategy(simulator, command)
  return { simulator, plugins }
}
