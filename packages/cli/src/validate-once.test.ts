import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parameterValidator, type ParameterSpecs } from '@routesim/core'
import { groupedTopKDefinition } from '@routesim/routers'
import { zipfDefinition } from '@routesim/strategies'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { EXIT_OK } from './cli.ts'
import { ANALYZE_FLAG_SCHEMA } from './commands/analyze.ts'
import { BENCH_FLAG_SCHEMA } from './commands/bench.ts'
import { DEMO_FLAG_SCHEMA } from './commands/demo.ts'
import { FIT_FLAG_SCHEMA } from './commands/fit.ts'
import { ROUTE_FLAG_SCHEMA } from './commands/route.ts'
import { SIMULATE_FLAG_SCHEMA } from './commands/simulate.ts'
import { STRATEGIES_FLAG_SCHEMA } from './commands/strategies.ts'
import { GLOBAL_FLAG_SCHEMA } from './trace-strategy.ts'
import { runRoutesim, runRoutesimJson } from '../test/run-routesim.ts'

// The CLI parses `--param key=value` text into values, and the parameters are then checked exactly
// once, by the strategy's schema (one shared validator per frozen spec set), however many layers
// (CLI → simulator registry → definition → strategy, or scenario → every layer) they pass through.
describe('each parameter is validated exactly once per call on the CLI path', () => {
  it('routesim route --param checks the strategy parameters once', async () => {
    const check = vi.spyOn(parameterValidator(zipfDefinition.parameters), 'check')
    const run = await runRoutesimJson(
      'route',
      '--strategy',
      'zipf',
      '--param',
      'exponent=1.5',
      '--param',
      'layout=identity',
      '-t',
      '64',
      '-e',
      '16',
      '-k',
      '2',
      '--json',
    )
    expect(run.parameters).toMatchObject({ exponent: 1.5, layout: 'identity' })
    expect(check).toHaveBeenCalledTimes(1)
  })

  it('routesim simulate --param checks the strategy parameters once for every layer and step', async () => {
    const check = vi.spyOn(parameterValidator(groupedTopKDefinition.parameters), 'check')
    const run = await runRoutesim(
      'simulate',
      '--preset',
      'deepseek-v3',
      '--strategy',
      'grouped_topk',
      '--param',
      'variant=hf',
      '--layers',
      '3',
      '--steps',
      '2',
      '--tokens',
      '32',
      '--json',
      '--quiet',
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(EXIT_OK)
    expect(check).toHaveBeenCalledTimes(1)
  })
})

// Every command's flags are read and checked by one schema per command (and one for the program's own
// flags): one check of the whole flag object per call, whatever the flags feed. simulate's schema holds
// its flags with a fixed set of values; its other flags are scenario fields, checked by the scenario schema.
describe("each command's flags are validated exactly once per call on the CLI path", () => {
  const dir = mkdtempSync(join(tmpdir(), 'routesim-validate-once-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const at = (name: string): string => join(dir, name)

  /** Runs argv, which gives every flag of `schema`, and returns the one object the schema checked. */
  async function checkedOnce(schema: { readonly specs: ParameterSpecs }, ...argv: string[]): Promise<Record<string, unknown>> {
    const check = vi.spyOn(parameterValidator(schema.specs), 'check')
    const run = await runRoutesim(...argv)
    expect(run.code, run.stderr).toBe(EXIT_OK)
    expect(check).toHaveBeenCalledTimes(1)
    const flags = check.mock.calls[0]![0] as Record<string, unknown>
    // Each flag of the command went through that one check.
    expect(Object.keys(flags).sort()).toEqual(Object.keys(schema.specs).sort())
    return flags
  }

  it('strategies: one check of every flag', async () => {
    expect(await checkedOnce(STRATEGIES_FLAG_SCHEMA, 'strategies', 'zipf', '--json')).toEqual({ json: true })
  })

  it('route: one check of every flag', async () => {
    const flags = await checkedOnce(
      ROUTE_FLAG_SCHEMA,
      ...['route', '-s', 'zipf', '-t', '256', '-e', '16', '-k', '2', '--seed', '5', '--backend', 'reference', '--ep-size', '4'],
      ...['--placement', 'round_robin', '--json', '--out', at('route.npz'), '--indices-type', 'int64'],
    )
    expect(flags).toMatchObject({ tokens: 256, experts: 16, topK: 2, epSize: 4, placement: 'round_robin', indicesType: 'int64', seed: '5' })
  })

  it('demo: one check of every flag', async () => {
    const flags = await checkedOnce(DEMO_FLAG_SCHEMA, 'demo', '-t', '64', '-e', '16', '-k', '2', '--ep-size', '4', '--seed', '3', '--json')
    expect(flags).toMatchObject({ tokens: 64, experts: 16, topK: 2, epSize: 4, json: true })
  })

  it('bench: one check of every flag', async () => {
    const flags = await checkedOnce(
      BENCH_FLAG_SCHEMA,
      ...['bench', '-b', 'reference', '--threads', '1', '-w', 'uniform_random', '-r', '1', '--warmup', '0', '-t', '64', '-e', '32', '-k', '4', '--seed', '7'],
    )
    expect(flags).toMatchObject({ reps: 1, warmup: 0, experts: 32, topK: 4, seed: 7, tokens: '64' })
  })

  it('analyze and fit: one check of every flag each', async () => {
    expect((await runRoutesim('route', '-s', 'zipf', '-t', '512', '-e', '16', '-k', '2', '--out', at('trace.npz'))).code).toBe(EXIT_OK)
    const hints = ['-e', '16', '--layout', 'ids', '--order', 'layers-tokens', '--json']
    const analyzed = await checkedOnce(ANALYZE_FLAG_SCHEMA, 'analyze', at('trace.npz'), ...hints, '--ep-size', '4', '--redundant', '4', '--placement', 'linear')
    expect(analyzed).toMatchObject({ experts: 16, epSize: 4, redundant: 4, layout: 'ids' })
    const fitted = await checkedOnce(
      FIT_FLAG_SCHEMA,
      ...['fit', at('trace.npz'), ...hints, '--family', 'zipf', '--ep-size', '4', '-k', '2', '--seed', '2', '--max-tokens', '256'],
      ...['--scenario-out', at('fitted.json')],
    )
    expect(fitted).toMatchObject({ family: 'zipf', epSize: 4, topK: 2, seed: 2, maxTokens: 256 })
  })

  it('simulate: one check of every flag', async () => {
    const flags = await checkedOnce(
      SIMULATE_FLAG_SCHEMA,
      ...['simulate', '--preset', 'mixtral-8x7b', '-s', 'zipf', '-t', '32', '--steps', '2', '--layers', '2', '--ep-size', '4', '--json'],
      ...['--placement', 'round_robin', '--eplb', '--eplb-policy', 'global', '--replica-choice', 'rank_local', '--backend', 'wasm'],
      ...['--out', at('simulate.npz'), '--indices-type', 'int64'],
    )
    expect(flags).toEqual({ placement: 'round_robin', eplbPolicy: 'global', replicaChoice: 'rank_local', backend: 'wasm', indicesType: 'int64' })
  })

  it('the global --trace and --trace-order: one check, before the command', async () => {
    expect((await runRoutesim('route', '-s', 'zipf', '-t', '64', '-e', '16', '-k', '2', '--out', at('replayed.npz'))).code).toBe(EXIT_OK)
    const flags = await checkedOnce(
      GLOBAL_FLAG_SCHEMA,
      ...['--trace', at('replayed.npz'), '--trace-order', 'layers-tokens', 'route', '-s', 'replay', '-t', '64', '-e', '16', '-k', '2', '--json'],
    )
    expect(flags).toEqual({ trace: at('replayed.npz'), traceOrder: 'layers-tokens' })
  })
})
