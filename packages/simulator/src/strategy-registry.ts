import {
  DuplicateStrategyError,
  InvalidArgumentError,
  defineParameters,
  UnknownStrategyError,
  freezeDefinition,
  guardStrategy,
  isRoutingStrategy,
  isStrategyDefinition,
  resolveParameters,
} from '@routesim/core'
import type { RoutingStrategy, Seed, StrategyDefinition } from '@routesim/core'
import { isTrustedDefinition, isTrustedInstance, trustInstance } from './trusted.ts'

export interface RegisterOptions {
  /** Replace a strategy already registered under this name (otherwise that is an error). */
  readonly replace?: boolean
  /** The plugin (npm package or file) the strategy comes from; result-guard errors name it. */
  readonly plugin?: string
}

/**
 * One registered strategy: its live instance and, when registered from one, its definition. A
 * definition's default instance is created on first access of `strategy` (with default
 * parameters), so a definition with a required parameter can be registered, described and created
 * with parameters; using it without them raises the parameter's typed error.
 */
export interface RegistryEntry {
  readonly name: string
  readonly strategy: RoutingStrategy
  readonly definition?: StrategyDefinition
  /** The plugin it was registered from, if any. */
  readonly plugin?: string
  /** A built-in: its results skip the result guard (the conformance suites hold them to the contract). */
  readonly builtIn: boolean
}

/**
 * Named routing strategies. Names are case-insensitive (stored lower-cased: the seed's environment
 * variable lower-cases, so a capitalised name could never be selected) and kept in insertion order.
 */
export interface StrategyRegistry {
  /** Registers an instance, or a definition (its default instance is created with the registry's seed, on first use). */
  register(name: string, strategy: RoutingStrategy | StrategyDefinition, options?: RegisterOptions): RegistryEntry
  /** Removes a strategy; returns whether one was registered. */
  unregister(name: string): boolean
  has(name: string): boolean
  /** The entry, or `UnknownStrategyError` listing the available names. */
  get(name: string): RegistryEntry
  /** Registered names in insertion order. */
  names(): string[]
  /**
   * The definition of a strategy; an instance registered without one gets a synthetic definition
   * that takes no parameters and returns that instance.
   */
  describe(name: string): StrategyDefinition
  /** A new instance from the definition, with parameters validated and defaulted by its specs. */
  create(name: string, parameters?: Readonly<Record<string, unknown>>, options?: { seed?: Seed }): RoutingStrategy
}

const NO_PARAMETERS = defineParameters({})

/** Longest strategy name accepted. */
const MAX_NAME_LENGTH = 128
// Control and format characters (newlines, ESC of ANSI sequences, bidi overrides) would be printed raw by tables and messages.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u

function normalizeName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.trim() !== name || name.length > MAX_NAME_LENGTH || UNPRINTABLE.test(name)) {
    throw new InvalidArgumentError({
      parameter: 'name',
      value: name,
      allowed: `a non-empty strategy name of at most ${MAX_NAME_LENGTH} printable characters, without surrounding whitespace`,
    })
  }
  return name.toLowerCase()
}

function checkPlugin(plugin: unknown): string | undefined {
  if (plugin === undefined) return undefined
  if (typeof plugin !== 'string' || plugin === '' || plugin.length > 1024 || UNPRINTABLE.test(plugin)) {
    throw new InvalidArgumentError({ parameter: 'plugin', value: plugin, allowed: 'a non-empty printable plugin name' })
  }
  return plugin
}

function lookupName(name: unknown): string {
  // Lookups of a non-string are a caller bug, but the answer is the same as for an unknown name.
  return typeof name === 'string' ? name.toLowerCase() : String(name)
}

function instanceDefinition(name: string, strategy: RoutingStrategy, plugin: string | undefined): StrategyDefinition {
  return Object.freeze({
    name,
    description: 'Registered as an instance (takes no parameters)',
    parameters: Object.freeze({}),
    ...(plugin === undefined ? {} : { plugin }),
    create: () => strategy,
  })
}

/** Creates an empty registry; definitions registered in it are instantiated with `seed`. */
export function createStrategyRegistry(options: { seed?: Seed } = {}): StrategyRegistry {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: '{ seed? }' })
  const entries = new Map<string, RegistryEntry>()
  const seed = options.seed

  function get(name: string): RegistryEntry {
    const entry = entries.get(lookupName(name))
    if (!entry) throw new UnknownStrategyError({ strategyName: String(name), availableStrategies: [...entries.keys()] })
    return entry
  }

  return {
    register(name, strategy, registerOptions = {}) {
      const key = normalizeName(name)
      if (entries.has(key) && registerOptions.replace !== true) throw new DuplicateStrategyError({ strategyName: key })
      let entry: RegistryEntry
      const optionPlugin = checkPlugin(registerOptions.plugin)
      if (isStrategyDefinition(strategy)) {
        const plugin = optionPlugin ?? checkPlugin(strategy.plugin)
        const builtIn = optionPlugin === undefined && isTrustedDefinition(strategy)
        const origin = { strategyName: key, plugin, distinctIds: strategy.distinctIds === true }
        const create = strategy.create.bind(strategy)
        // A frozen copy per registry: editing what `describe` returns cannot reach another registry.
        const definition: StrategyDefinition = freezeDefinition(strategy, {
          name: key,
          ...(plugin === undefined ? {} : { plugin }),
          create: builtIn ? (params, options) => trustInstance(create(params, options)) : (params, options) => guardStrategy(create(params, options), origin),
        })
        let instance: RoutingStrategy | undefined
        entry = Object.freeze({
          name: key,
          definition,
          builtIn,
          ...(plugin === undefined ? {} : { plugin }),
          get strategy() {
            instance ??= definition.create(resolveParameters(key, definition.parameters, {}), seed === undefined ? {} : { seed })
            return instance
          },
        })
      } else if (isRoutingStrategy(strategy)) {
        const builtIn = optionPlugin === undefined && isTrustedInstance(strategy)
        const guarded = builtIn ? strategy : guardStrategy(strategy, { strategyName: key, plugin: optionPlugin })
        entry = Object.freeze({ name: key, strategy: guarded, builtIn, ...(optionPlugin === undefined ? {} : { plugin: optionPlugin }) })
      } else {
        throw new InvalidArgumentError({
          parameter: 'strategy',
          value: strategy,
          allowed: 'a RoutingStrategy (with routeTokens) or a StrategyDefinition (with name, parameters and create)',
        })
      }
      // Replacing keeps the name's place in the order, as a dict assignment does in the seed.
      entries.set(key, entry)
      return entry
    },
    unregister: (name) => entries.delete(lookupName(name)),
    has: (name) => entries.has(lookupName(name)),
    get,
    names: () => [...entries.keys()],
    describe(name) {
      const entry = get(name)
      return entry.definition ?? instanceDefinition(entry.name, entry.strategy, entry.plugin)
    },
    create(name, parameters = {}, createOptions = {}) {
      const entry = get(name)
      if (!entry.definition) {
        resolveParameters(entry.name, NO_PARAMETERS, parameters) // throws on any parameter: an instance has none
        return entry.strategy
      }
      const createSeed = createOptions.seed ?? seed
      return entry.definition.create(
        resolveParameters(entry.name, entry.definition.parameters, parameters),
        createSeed === undefined ? {} : { seed: createSeed },
      )
    },
  }
}
