import { describe, expect, it } from 'vitest'
import * as analysis from '@routesim/analysis'
import * as core from '@routesim/core'
import * as distributions from '@routesim/distributions'
import * as routers from '@routesim/routers'
import * as scenarios from '@routesim/scenarios'
import * as simulator from '@routesim/simulator'
import * as strategies from '@routesim/strategies'

// Every exported function of the library packages, called with hostile arguments (missing, null,
// NaN, negative, fractional, 2^31, Infinity, a string, empty and odd objects, 1e308s, a PRNG where a
// size belongs): each call returns or throws a RoutesimError. A TypeError, a RangeError from an
// allocation, or a hang (this suite found sizes of 2^31 that ran for minutes) is a failure.

const HOSTILE: readonly unknown[] = [
  undefined,
  null,
  Number.NaN,
  -1,
  0,
  1.5,
  2 ** 31,
  Infinity,
  'x',
  {},
  [],
  new Int32Array(4),
  [1e308, 1e308],
  core.createPrng(1),
]
const TRIALS = 120
const modules = { analysis, core, distributions, routers, scenarios, simulator, strategies }
/**
 * Not called here: functions that run a whole scenario (covered by the scenario suites), and the
 * building blocks that packages and backends call only after validating their own arguments (the
 * error brand, kernel-internal checks, the result guard's internals, deprecated kernel re-exports).
 */
const SKIP = new Set([
  'scenarios.runScenario',
  'scenarios.iterateScenario',
  'core.brand',
  'core.assertOneOf',
  'core.assertFiniteLogits',
  'core.throwFirstNonFiniteInRow',
  'core.checkStrategyResult',
  'core.guardStrategy',
  'simulator.referenceWinnerScores',
  'analysis.expertCountsChunk',
  'core.parameterSchema',
  'core.parameterValidator',
  'core.outputArrays',
  'core.sharedView',
  'simulator.accumulateSplitHistogram',
])

function describeArgs(args: readonly unknown[]): string {
  return args
    .map((a) => (a instanceof Int32Array ? 'Int32Array(4)' : typeof a === 'object' && a !== null && 'nextInt' in a ? 'prng' : core.describeValue(a)))
    .join(', ')
}

describe('hostile: every public function answers hostile arguments with a typed error', () => {
  for (const [pkg, module] of Object.entries(modules)) {
    it(`@routesim/${pkg}`, async () => {
      const crashes: string[] = []
      let called = 0
      for (const [name, fn] of Object.entries(module as Record<string, unknown>)) {
        // Classes (errors, tables) are constructed with `new`; their factories are the functions here.
        if (typeof fn !== 'function' || /^[A-Z]/.test(name) || SKIP.has(`${pkg}.${name}`)) continue
        const arity = Math.max(1, Math.min(fn.length, 4))
        const seen = new Set<string>()
        for (let trial = 0; trial < TRIALS; trial++) {
          const args = Array.from({ length: arity }, (_, i) => HOSTILE[(trial * (i + 3) + i * 7 + Math.floor(trial / 14) * i) % HOSTILE.length])
          called++
          try {
            const result = (fn as (...a: unknown[]) => unknown)(...args)
            if (typeof (result as { then?: unknown } | null)?.then === 'function') await (result as Promise<unknown>)
          } catch (error) {
            if (core.RoutesimError.isInstance(error)) continue
            const key = `${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 100)}`
            if (!seen.has(key)) crashes.push(`${pkg}.${name}(${describeArgs(args)}) → ${key}`)
            seen.add(key)
          }
        }
      }
      expect(called).toBeGreaterThan(TRIALS)
      expect(crashes).toEqual([])
    })
  }
})
