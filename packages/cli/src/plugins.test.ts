import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { DuplicateStrategyError } from '@routesim/core'
import { EXIT_BAD_INPUT } from './cli.ts'
import { PluginError } from './plugin-error.ts'
import { loadPlugins } from './plugins.ts'
import { runRoutesim, runRoutesimJson } from '../test/run-routesim.ts'

// The example plugin package (examples/routesim-plugin-rank-local), loaded by path from its sources.
const plugin = '../../examples/routesim-plugin-rank-local/src/index.ts'
const fixture = (name: string) => `./test/fixtures/plugins/${name}`

async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

const scratch = mkdtempSync(join(tmpdir(), 'routesim-plugin-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
afterEach(() => vi.unstubAllEnvs())

describe('--plugin', () => {
  it('loads the definitions a module exports', async () => {
    const definitions = await loadPlugins([plugin])
    expect(definitions.map((d) => d.name)).toEqual(['rank_local'])
  })

  it('is honoured by every command: strategies, route, simulate and demo', async () => {
    const strategies = await runRoutesimJson<{ strategies: { name: string }[] }>('--plugin', plugin, 'strategies', '--json')
    const names = strategies.strategies.map((s) => s.name)
    expect(names.at(-1)).toBe('rank_local')
    expect(names.slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])

    const { counts } = await runRoutesimJson<{ counts: number[] }>(
      'route',
      '--plugin',
      plugin,
      '--strategy',
      'rank_local',
      '--tokens',
      '100',
      '--experts',
      '32',
      '--top-k',
      '2',
      '--param',
      'epSize=4',
      '--param',
      'rank=3',
      '--json',
    )
    expect(counts.slice(0, 24).every((c) => c === 0)).toBe(true)
    expect(counts.slice(24).reduce((a, b) => a + b, 0)).toBe(200)

    // rank_local on 8 of 128 experts: one EP rank carries everything, so static balancedness is 1/8.
    const summary = await runRoutesimJson<{ balancedness: { static: { perLayerMean: number } } }>(
      '--plugin',
      plugin,
      'simulate',
      '--preset',
      'qwen3-30b-a3b',
      '--strategy',
      'rank_local',
      '--param',
      'epSize=8',
      '--ep-size',
      '8',
      '--tokens',
      '64',
      '--steps',
      '2',
      '--layers',
      '1',
      '--json',
      '--quiet',
    )
    expect(summary.balancedness.static.perLayerMean).toBeCloseTo(1 / 8, 10)

    const { rows } = await runRoutesimJson<{ rows: { label: string; strategy: string }[] }>('--plugin', plugin, 'demo', '--json', '--tokens', '256')
    expect(rows.at(-1)).toMatchObject({ label: 'rank_local (plugin)', strategy: 'rank_local' })
  })

  it('a plugin that throws at import is a typed error naming the plugin (exit 2)', async () => {
    const error = await rejection(() => loadPlugins([fixture('throws-at-import.mjs')]))
    expect(PluginError.isInstance(error)).toBe(true)
    expect((error as PluginError).plugin).toBe(fixture('throws-at-import.mjs'))
    const { code, stderr } = await runRoutesim('--plugin', fixture('throws-at-import.mjs'), 'strategies')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain(`plugin '${fixture('throws-at-import.mjs')}'`)
    expect(stderr).toContain('cannot initialise the frobnicator')
  })

  it('a plugin whose top-level await never settles fails after the load bound (ROUTESIM_PLUGIN_TIMEOUT_MS)', async () => {
    vi.stubEnv('ROUTESIM_PLUGIN_TIMEOUT_MS', '300')
    const started = performance.now()
    const { code, stderr } = await runRoutesim('--plugin', fixture('never-settles.mjs'), 'route', '-s', 'never', '-t', '1', '-e', '2', '-k', '1')
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain(`plugin '${fixture('never-settles.mjs')}': its import did not finish within 300 ms`)
  })

  it('a plugin strategy that throws is attributed: the message names the plugin and the strategy', async () => {
    const { code, stderr } = await runRoutesim('--plugin', fixture('throws-in-route.mjs'), 'route', '-s', 'broken_router', '-t', '4', '-e', '8', '-k', '2')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain(`plugin '${fixture('throws-in-route.mjs')}', strategy 'broken_router': it threw Cannot read properties of undefined`)
  })

  it('an ESM-only plugin package resolves by name from the working directory (import condition)', async () => {
    const pkg = join(scratch, 'node_modules', 'routesim-plugin-esm-only')
    mkdirSync(pkg, { recursive: true })
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'routesim-plugin-esm-only', type: 'module', exports: { '.': { import: './index.js' } } }))
    writeFileSync(
      join(pkg, 'index.js'),
      "export const esmOnly = { name: 'esm_only', description: 'ESM-only plugin', parameters: {}, create() { return { routeTokens() { throw new Error('unused') } } } }\n",
    )
    const definitions = await loadPlugins(['routesim-plugin-esm-only'], scratch)
    expect(definitions.map((d) => d.name)).toEqual(['esm_only'])
    // Not installed where routesim runs: a typed error that says where it looked.
    const error = await rejection(() => loadPlugins(['routesim-plugin-esm-only'], tmpdir()))
    expect(PluginError.isInstance(error)).toBe(true)
    expect((error as Error).message).toContain(`cannot resolve it from ${tmpdir()}`)
  })

  it('rejects a path that does not exist, and a module that exports no strategy', async () => {
    for (const bad of ['./test/examples/missing.js', './src/format.ts']) {
      const error = await rejection(() => loadPlugins([bad]))
      expect(PluginError.isInstance(error)).toBe(true)
      expect((error as PluginError).plugin).toBe(bad)
    }
    const { code, stderr } = await runRoutesim('--plugin', './src/format.ts', 'strategies')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('exports no strategy definitions')
  })

  it('rejects two plugins that register the same name', async () => {
    const { code, stderr } = await runRoutesim('--plugin', plugin, '--plugin', plugin, 'strategies')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('rank_local')
    expect(DuplicateStrategyError).toBeDefined()
  })
})
