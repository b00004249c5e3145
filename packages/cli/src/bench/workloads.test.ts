import { InvalidArgumentError } from '@routesim/core'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TOKENS, WORKLOAD_NAMES, parseTokenOverrides, parseWorkloadList } from './workloads.ts'

describe('parseWorkloadList', () => {
  it('gives every workload of WORKLOADS.md, in its order, when empty', () => {
    expect(parseWorkloadList(undefined)).toEqual([...WORKLOAD_NAMES])
    expect(parseWorkloadList(' ')).toEqual([...WORKLOAD_NAMES])
  })
  it('keeps the order given and drops repeats', () => {
    expect(parseWorkloadList('histogram, softmax_topk,histogram')).toEqual(['histogram', 'softmax_topk'])
  })
  it('names the unknown workload and the allowed ones', () => {
    const error = (() => {
      try {
        parseWorkloadList('softmax_topk,zipf')
      } catch (e) {
        return e
      }
    })()
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect((error as InvalidArgumentError).value).toBe('zipf')
    expect((error as InvalidArgumentError).allowed).toContain('simulate_zipf')
  })
})

describe('parseTokenOverrides', () => {
  it('defaults to the sizes of WORKLOADS.md', () => {
    expect(parseTokenOverrides(undefined)).toEqual(DEFAULT_TOKENS)
    expect(DEFAULT_TOKENS.uniform_distinct).toBe(1_048_576)
    expect(DEFAULT_TOKENS.softmax_topk).toBe(65_536)
    expect(DEFAULT_TOKENS.simulate_zipf).toBe(4096)
  })
  it('applies a bare number to all and name=N to one, left to right', () => {
    const tokens = parseTokenOverrides('1024,histogram=4096')
    expect(tokens.uniform_random).toBe(1024)
    expect(tokens.simulate_zipf).toBe(1024)
    expect(tokens.histogram).toBe(4096)
  })
  it.each(['0', '-5', '1.5', 'abc', 'histogram=', 'zipf=10'])('rejects %j', (spec) => {
    expect(() => parseTokenOverrides(spec)).toThrow(InvalidArgumentError)
  })
})
