import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as core from '@routesim/core'
import * as io from '@routesim/io'
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK } from '../src/cli.ts'
import { PluginError } from '../src/plugin-error.ts'
import { DEFAULT_PLUGIN_TIMEOUT_MS } from '../src/plugins.ts'

// The README's "Limits and errors" section must match the code: every limit in LIMITS with its value,
// every exported error class with its code and package, the exit codes. A new limit or error class
// fails this test until the README lists it.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const readme = readFileSync(join(repo, 'README.md'), 'utf8')
const start = readme.indexOf('\n## Limits and errors\n')
const section = readme.slice(start, readme.indexOf('\n## ', start + 1))

/** The rows of the first table under `### heading` (backticks ignored), as trimmed cells without backticks. */
function table(heading: string): string[][] {
  const lines = section.replace(/`/g, '').split('\n')
  const at = lines.indexOf(`### ${heading}`)
  expect(at, `README section "### ${heading}"`).toBeGreaterThan(0)
  const first = lines.findIndex((l, i) => i > at && l.startsWith('|'))
  const after = lines.findIndex((l, i) => i > first && !l.startsWith('|'))
  return lines.slice(first + 2, after).map((line) =>
    line
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim()),
  )
}

/** One instance of every error class routesim exports, built as the code builds them. */
const samples: Record<string, () => core.RoutesimError> = {
  InvalidArgumentError: () => new core.InvalidArgumentError({ parameter: 'topK', value: 0, allowed: 'an integer ≥ 1' }),
  LimitExceededError: () => new core.LimitExceededError({ parameter: 'numExperts', value: 2 ** 31, limit: core.LIMITS.maxExperts, limitName: 'experts' }),
  ShapeMismatchError: () => new core.ShapeMismatchError({ parameter: 'ids', expected: '[4, 2]', actual: '[4, 3]' }),
  InvalidLogitsError: () => new core.InvalidLogitsError({ row: 0, column: 1, value: Number.NaN }),
  InvalidStrategyResultError: () => new core.InvalidStrategyResultError({ strategyName: 'mine', plugin: 'my-plugin', problem: 'undefined' }),
  UnknownStrategyError: () => new core.UnknownStrategyError({ strategyName: 'nope', availableStrategies: ['zipf'] }),
  DuplicateStrategyError: () => new core.DuplicateStrategyError({ strategyName: 'zipf' }),
  UnsupportedDistributionError: () => new core.UnsupportedDistributionError({ distribution: 'cauchy', supportedDistributions: ['uniform'] }),
  InfeasibleTargetError: () => new core.InfeasibleTargetError({ parameter: 'gini target', value: 2, feasible: '[0, 1)' }),
  ConfigValidationError: () => new core.ConfigValidationError({ source: 'scenario.json', issues: [{ path: 'steps', message: 'missing' }] }),
  BackendUnavailableError: () => new core.BackendUnavailableError({ mode: 'webgpu', reason: 'no adapter' }),
  TraceFormatError: () => new io.TraceFormatError({ file: 'trace.npy', part: 'header', problem: 'not a .npy file' }),
  UnsafePickleError: () => new io.UnsafePickleError({ file: 'model.pt', global: 'os.system', allowed: ['torch._utils._rebuild_tensor_v2'] }),
  TraceExhaustedError: () => new io.TraceExhaustedError(0, 16),
  PluginError: () => new PluginError({ plugin: './p.mjs', problem: 'importing it failed' }),
}

function errorClasses(module: Record<string, unknown>): string[] {
  return Object.entries(module)
    .filter(([, v]) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof core.RoutesimError)
    .map(([name]) => name)
}

describe('README "Limits and errors"', () => {
  it('lists every limit in LIMITS with its value, and nothing else', () => {
    const rows = table('Limits')
    expect(rows.map((r) => r[0])).toEqual(Object.keys(core.LIMITS))
    for (const [key, value, what] of rows) {
      expect(value, key).toBe(core.LIMITS[key as core.LimitName].toLocaleString('en-US'))
      expect(what!.length).toBeGreaterThan(5)
    }
  })

  it('lists every exported error class with its code and package, and nothing else', () => {
    const exported = new Map<string, string>([
      ...errorClasses(core).map((n) => [n, '@routesim/core'] as const),
      ...errorClasses(io).map((n) => [n, '@routesim/io'] as const),
      ['PluginError', 'routesim (CLI)'],
    ])
    const rows = table('Errors')
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(exported.keys()))
    expect(rows).toHaveLength(exported.size)
    for (const [name, code, pkg, when] of rows) {
      const sample = samples[name!]
      expect(sample, `a sample of ${name} in this test`).toBeDefined()
      const error = sample!()
      expect(error.name).toBe(name)
      expect(error.code, name).toBe(code)
      expect(core.RoutesimError.isInstance(error)).toBe(true)
      expect(pkg, name).toBe(exported.get(name!))
      expect(when!.length).toBeGreaterThan(5)
    }
    // Codes are unique: matching on one never catches another failure.
    expect(new Set(rows.map((r) => r[1])).size).toBe(rows.length)
  })

  it('gives the exit codes the CLI returns', () => {
    expect(table('Exit codes of routesim').map((r) => Number(r[0]))).toEqual([EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT])
  })

  it('states the other bounds as the code has them', () => {
    expect(section).toContain(`within ${DEFAULT_PLUGIN_TIMEOUT_MS / 1000} s`)
    expect(section).toContain(`at most ${core.MAX_DESCRIBED_CHARS} characters of a value`)
  })
})
