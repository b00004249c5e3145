import { createRequire } from 'node:module'
import { isAbsolute, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Command } from 'commander'
import { InvalidArgumentError, isStrategyDefinition } from '@routesim/core'
import type { Seed, StrategyDefinition } from '@routesim/core'
import { createSimulator, type Simulator } from '@routesim/simulator'

/** Where a `--plugin` specifier is imported from: paths relative to `cwd`, package names as installed there. */
function moduleUrl(specifier: string, cwd: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(cwd, specifier)).href
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(specifier)).href
  } catch {
    return specifier // ESM-only packages resolve through import() itself
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

/**
 * Loads strategy plugins: npm packages or files that export definitions made with `defineStrategy`
 * (see docs/writing-a-strategy.md). A module that cannot be imported or exports none is bad input.
 */
export async function loadPlugins(specifiers: readonly string[], cwd = process.cwd()): Promise<StrategyDefinition[]> {
  const definitions: StrategyDefinition[] = []
  for (const specifier of specifiers) {
    let module: Record<string, unknown>
    try {
      module = (await import(moduleUrl(specifier, cwd))) as Record<string, unknown>
    } catch (error) {
      throw new InvalidArgumentError({
        parameter: '--plugin',
        value: specifier,
        allowed: `a module path or an installed package name that imports (${error instanceof Error ? error.message : String(error)})`,
        cause: error,
      })
    }
    const found = definitionsOf(module)
    if (found.length === 0) {
      throw new InvalidArgumentError({
        parameter: '--plugin',
        value: specifier,
        allowed: 'a module that exports strategy definitions (made with defineStrategy from @routesim/core)',
      })
    }
    definitions.push(...found)
  }
  return definitions
}

/** A seeded simulator with the built-ins and every `--plugin` strategy registered (a clash is an error). */
export async function createCliSimulator(command: Command, seed: Seed): Promise<Simulator> {
  const simulator = createSimulator({ seed })
  const plugins = (command.optsWithGlobals() as { plugin?: string[] }).plugin ?? []
  for (const definition of await loadPlugins(plugins)) simulator.registerStrategy(definition.name, definition)
  return simulator
}
