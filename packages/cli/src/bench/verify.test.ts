import { InvalidArgumentError } from '@routesim/core'
import { describe, expect, it } from 'vitest'
import { checkBalancedness, checkCounts, checkDescending, checkIds, checkWeights } from './verify.ts'

describe('output checks', () => {
  it('accept correct outputs', () => {
    expect(() => checkIds('w', new Int32Array([0, 3, 2, 1]), 2, 2, 4, { distinct: true })).not.toThrow()
    expect(() => checkWeights('w', new Float32Array([1, 1, 1, 1]), 2, 2, { kind: 'ones' })).not.toThrow()
    expect(() => checkWeights('w', new Float32Array([0.75, 0.25, 0.5, 0.5]), 2, 2, { kind: 'rowSum', sum: 1, tolerance: 1e-6 })).not.toThrow()
    expect(() => checkDescending('w', new Float32Array([0.75, 0.25, 0.5, 0.5]), 2, 2)).not.toThrow()
    expect(() => checkCounts('w', new Int32Array([1, 0, 3]), 3, 4)).not.toThrow()
    expect(() => checkBalancedness('w', new Float64Array([1, 0.5]), 2, 2)).not.toThrow()
  })

  it.each([
    ['an id out of range', () => checkIds('w', new Int32Array([0, 4]), 1, 2, 4, { distinct: false })],
    ['a repeated id where distinct is promised', () => checkIds('w', new Int32Array([2, 2]), 1, 2, 4, { distinct: true })],
    ['a short id array', () => checkIds('w', new Int32Array([0]), 1, 2, 4, { distinct: false })],
    ['a weight that is not one', () => checkWeights('w', new Float32Array([1, 0]), 1, 2, { kind: 'ones' })],
    ['a row sum off target', () => checkWeights('w', new Float32Array([0.5, 0.4]), 1, 2, { kind: 'rowSum', sum: 1, tolerance: 1e-6 })],
    ['a NaN weight', () => checkWeights('w', new Float32Array([Number.NaN, 1]), 1, 2, { kind: 'rowSum', sum: 1, tolerance: 1 })],
    ['ascending weights', () => checkDescending('w', new Float32Array([0.25, 0.75]), 1, 2)],
    ['counts that do not sum to T·k', () => checkCounts('w', new Int32Array([1, 1]), 2, 3)],
    ['balancedness below 1/R', () => checkBalancedness('w', new Float64Array([0.1]), 1, 4)],
  ])('reject %s', (_label, check) => {
    expect(check).toThrow(InvalidArgumentError)
  })
})
