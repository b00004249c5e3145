import { InvalidArgumentError } from '@routesim/core'
import { afterEach, describe, expect, it } from 'vitest'
import { availableCores, resolveThreadCount } from './thread-count.ts'
import { cpus } from 'node:os'

const saved = process.env.ROUTESIM_THREADS
afterEach(() => {
  if (saved === undefined) delete process.env.ROUTESIM_THREADS
  else process.env.ROUTESIM_THREADS = saved
})

describe('resolveThreadCount', () => {
  it('takes the option, then ROUTESIM_THREADS, then the cores', () => {
    delete process.env.ROUTESIM_THREADS
    expect(availableCores()).toBeGreaterThanOrEqual(1)
    expect(availableCores()).toBeLessThanOrEqual(Math.max(1, cpus().length))
    expect(resolveThreadCount()).toBe(availableCores())
    process.env.ROUTESIM_THREADS = '3'
    expect(resolveThreadCount()).toBe(3)
    expect(resolveThreadCount(5)).toBe(5)
  })

  it('rejects bad counts, naming where they came from', () => {
    process.env.ROUTESIM_THREADS = 'many'
    expect(() => resolveThreadCount()).toThrow(/ROUTESIM_THREADS/)
    process.env.ROUTESIM_THREADS = '0'
    expect(() => resolveThreadCount()).toThrow(InvalidArgumentError)
    expect(() => resolveThreadCount(0)).toThrow(/threads/)
    expect(() => resolveThreadCount(1000)).toThrow(/\[1, 256\]/)
  })
})
