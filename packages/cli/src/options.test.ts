import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import type { ParameterSpecs } from '@routesim/core'
import { parseIntegerOption, parseSeedOption, parseStrategyParams, seedToJson } from './options.ts'

function caught(run: () => unknown): InvalidArgumentError {
  try {
    run()
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected an InvalidArgumentError')
}

describe('parseIntegerOption', () => {
  it('accepts integers in range, with surrounding spaces or a sign', () => {
    expect(parseIntegerOption('--tokens', '4096', 1)).toBe(4096)
    expect(parseIntegerOption('--tokens', ' +7 ', 1)).toBe(7)
    expect(parseIntegerOption('--top-k', '8', 1, 8)).toBe(8)
  })

  it.each(['', 'abc', '1.5', '1e3', '0x10', '9007199254740993'])('rejects %j, naming the flag and the text', (raw) => {
    const error = caught(() => parseIntegerOption('--tokens', raw, 1))
    expect(error.parameter).toBe('--tokens')
    expect(error.value).toBe(raw)
  })

  it('rejects values outside [min, max] and says the range', () => {
    expect(caught(() => parseIntegerOption('--top-k', '9', 1, 8)).allowed).toBe('an integer in [1, 8]')
    expect(caught(() => parseIntegerOption('--tokens', '0', 1)).allowed).toBe('an integer ≥ 1')
  })
})

describe('parseSeedOption', () => {
  it('reads integers as numbers, beyond 2^53 as bigints, anything else as a string seed', () => {
    expect(parseSeedOption('42')).toBe(42)
    expect(parseSeedOption('-3')).toBe(-3)
    expect(parseSeedOption('18446744073709551617')).toBe(18446744073709551617n)
    expect(parseSeedOption('run-7')).toBe('run-7')
    expect(seedToJson(18446744073709551617n)).toBe('18446744073709551617')
  })

  it('rejects an empty seed', () => expect(caught(() => parseSeedOption('  ')).parameter).toBe('--seed'))
})

describe('parseStrategyParams', () => {
  const specs: ParameterSpecs = {
    exponent: { type: 'number', description: 's', default: 1 },
    distinct: { type: 'boolean', description: 'd', default: false },
    weights: { type: 'number[]', description: 'w', optional: true },
    layout: { type: 'enum', description: 'l', values: ['identity', 'per_layer'], default: 'identity' },
  }

  it('parses each value by its spec', () => {
    expect(parseStrategyParams('zipf', specs, ['exponent=1.25', 'distinct=true', 'weights=5,1,1', 'layout=per_layer'])).toEqual({
      exponent: 1.25,
      distinct: true,
      weights: [5, 1, 1],
      layout: 'per_layer',
    })
  })

  it('passes unknown keys through as text, for the strategy to reject with its list of parameters', () => {
    expect(parseStrategyParams('zipf', specs, ['sigma=2', 'note=a=b'])).toEqual({ sigma: '2', note: 'a=b' })
  })

  it('rejects entries without a key, repeated keys and values that do not parse', () => {
    expect(caught(() => parseStrategyParams('zipf', specs, ['=1'])).parameter).toBe('--param')
    expect(caught(() => parseStrategyParams('zipf', specs, ['exponent'])).parameter).toBe('--param')
    expect(caught(() => parseStrategyParams('zipf', specs, ['exponent=1', 'exponent=2'])).parameter).toBe('--param exponent')
    expect(caught(() => parseStrategyParams('zipf', specs, ['exponent=big'])).parameter).toBe('zipf.exponent')
    expect(caught(() => parseStrategyParams('zipf', specs, ['weights=1,,2'])).parameter).toBe('zipf.weights')
  })
})
