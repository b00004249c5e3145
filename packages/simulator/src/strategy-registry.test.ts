import { describe, expect, it } from 'vitest'
import { DuplicateStrategyError, InvalidArgumentError, UnknownStrategyError } from '@routesim/core'
import { createStrategyRegistry } from './strategy-registry.ts'
import { DistributionBasedRouting } from './distribution-based-routing.ts'
import { normalRoutingDefinition, uniformRandomDefinition } from './built-in-definitions.ts'

describe('createStrategyRegistry', () => {
  it('keeps insertion order; names are case-insensitive and stored lower-cased', () => {
    const registry = createStrategyRegistry()
    registry.register('Zeta', new DistributionBasedRouting())
    registry.register('alpha', new DistributionBasedRouting('normal'))
    expect(registry.names()).toEqual(['zeta', 'alpha'])
    expect(registry.has('ZETA')).toBe(true)
    expect(registry.get('ALPHA').name).toBe('alpha')
  })

  it('refuses a duplicate name unless { replace: true }, which keeps its place in the order', () => {
    const registry = createStrategyRegistry()
    const first = new DistributionBasedRouting()
    const second = new DistributionBasedRouting('normal')
    registry.register('a', first)
    registry.register('b', first)
    expect(() => registry.register('A', second)).toThrow(DuplicateStrategyError)
    expect(() => registry.register('A', second)).toThrow("A routing strategy named 'a' is already registered. Pass { replace: true } to replace it.")
    registry.register('A', second, { replace: true })
    expect(registry.get('a').strategy).toBe(second)
    expect(registry.names()).toEqual(['a', 'b'])
  })

  it('lists the available names when a strategy is unknown (the seed message)', () => {
    const registry = createStrategyRegistry()
    registry.register('uniform_random', uniformRandomDefinition)
    expect(() => registry.get('nope')).toThrow(UnknownStrategyError)
    expect(() => registry.get('nope')).toThrow("Unknown routing strategy: nope. Available strategies: ['uniform_random']")
  })

  it('instantiates definitions with the registry seed and validates creation parameters', () => {
    const registry = createStrategyRegistry({ seed: 5 })
    registry.register('normal_routing', normalRoutingDefinition)
    const entry = registry.get('normal_routing')
    // A frozen copy of the definition: editing it cannot reach other registries.
    expect(entry.definition).not.toBe(normalRoutingDefinition)
    expect(entry.definition).toMatchObject({ name: 'normal_routing', description: normalRoutingDefinition.description })
    expect(Object.isFrozen(entry.definition)).toBe(true)
    expect((entry.strategy as DistributionBasedRouting).getDistributionInfo()).toEqual({
      distribution: 'normal',
      parameters: { mean: 0, std: 1, distinct: false, seed: 5 },
    })
    const custom = registry.create('normal_routing', { mean: 2, std: 0.5 }) as DistributionBasedRouting
    expect(custom.getDistributionInfo().parameters).toMatchObject({ mean: 2, std: 0.5 })
    expect(() => registry.create('normal_routing', { std: -1 })).toThrow('Invalid normal_routing.std: -1. Allowed: a finite number in (0, ∞).')
    expect(() => registry.create('normal_routing', { sdt: 1 })).toThrow(/Unknown parameter 'sdt' for normal_routing/)
  })

  it('a definition registered under another name is described under that name', () => {
    const registry = createStrategyRegistry()
    registry.register('My_Uniform', uniformRandomDefinition)
    const described = registry.describe('my_uniform')
    expect(described.name).toBe('my_uniform')
    expect(described.description).toBe(uniformRandomDefinition.description)
    expect(registry.create('my_uniform', { replacement: true })).toBeInstanceOf(DistributionBasedRouting)
  })

  it('describes an instance registered without a definition as taking no parameters', () => {
    const registry = createStrategyRegistry()
    const strategy = new DistributionBasedRouting()
    registry.register('plain', strategy)
    expect(registry.describe('plain')).toMatchObject({ name: 'plain', parameters: {} })
    expect(registry.create('plain')).toBe(strategy)
    expect(() => registry.create('plain', { x: 1 })).toThrow(/Unknown parameter 'x' for plain/)
  })

  it('rejects bad names and non-strategies with typed errors; unregister removes', () => {
    const registry = createStrategyRegistry()
    expect(() => registry.register('', new DistributionBasedRouting())).toThrow(InvalidArgumentError)
    expect(() => registry.register(' x', new DistributionBasedRouting())).toThrow(/Invalid name: " x"/)
    expect(() => registry.register('x', {} as never)).toThrow(/Invalid strategy/)
    registry.register('x', new DistributionBasedRouting())
    expect(registry.unregister('X')).toBe(true)
    expect(registry.names()).toEqual([])
    expect(registry.unregister('x')).toBe(false)
  })
})
