import { describe, expect, it } from 'vitest'
import { RoutesimError } from './routesim-error.ts'
import { InvalidArgumentError } from './invalid-argument-error.ts'
import { UnknownStrategyError } from './unknown-strategy-error.ts'
import { ShapeMismatchError } from './shape-mismatch-error.ts'

describe('error brands', () => {
  it('identifies errors by brand, including plain objects carrying the brand from another package copy', () => {
    const e = new InvalidArgumentError({ parameter: 'topK', value: 0, allowed: 'an integer ≥ 1' })
    expect(RoutesimError.isInstance(e)).toBe(true)
    expect(InvalidArgumentError.isInstance(e)).toBe(true)
    expect(ShapeMismatchError.isInstance(e)).toBe(false)
    expect(e.code).toBe('invalid_argument')
    expect(e.message).toBe('Invalid topK: 0. Allowed: an integer ≥ 1.')
    const foreign = { [Symbol.for('routesim.error')]: true, [Symbol.for('routesim.error.invalid_argument')]: true }
    expect(InvalidArgumentError.isInstance(foreign)).toBe(true)
    expect(RoutesimError.isInstance(new Error('x'))).toBe(false)
    expect(RoutesimError.isInstance(null)).toBe(false)
  })

  it('lists what is available when a strategy is not found', () => {
    const e = new UnknownStrategyError({ strategyName: 'foo', availableStrategies: ['uniform_random', 'normal_routing'] })
    expect(e.message).toBe("Unknown routing strategy: foo. Available strategies: ['uniform_random', 'normal_routing']")
  })
})
