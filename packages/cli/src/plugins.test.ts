import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import { EXIT_BAD_INPUT, EXIT_OK } from './cli.ts'
import { loadPlugins } from './plugins.ts'
import { runRoutesim } from '../test/run-routesim.ts'

// The plugin of docs/writing-a-strategy.md, loaded the way a user's built plugin would be.
const plugin = './test/examples/rank-local.ts'

describe('--plugin', () => {
  it('loads the definitions a module exports', async () => {
    const definitions = await loadPlugins([plugin])
    expect(definitions.map((d) => d.name)).toEqual(['rank_local'])
  })

  it('lists plugin strategies after the built-ins', async () => {
    const { code, stdout } = await runRoutesim('--plugin', plugin, 'strategies', '--json')
    expect(code).toBe(EXIT_OK)
    const names = (JSON.parse(stdout) as { strategies: { name: string }[] }).strategies.map((s) => s.name)
    expect(names.at(-1)).toBe('rank_local')
    expect(names.slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])
  })

  it('routes with a plugin strategy and its parameters (option after the command works too)', async () => {
    const { code, stdout, stderr } = await runRoutesim(
      'route', '--plugin', plugin, '--strategy', 'rank_local', '--tokens', '100', '--experts', '32', '--top-k', '2',
      '--param', 'epSize=4', '--param', 'rank=3', '--json',
    )
    expect(stderr).toBe('')
    expect(code).toBe(EXIT_OK)
    const counts = (JSON.parse(stdout) as { counts: number[] }).counts
    expect(counts.slice(0, 24).every((c) => c === 0)).toBe(true)
    expect(counts.slice(24).reduce((a, b) => a + b, 0)).toBe(200)
  })

  it('rejects a module that does not import, and one that exports no strategy', async () => {
    for (const bad of ['./test/examples/missing.js', './src/format.ts']) {
      let error: unknown
      try {
        await loadPlugins([bad])
      } catch (e) {
        error = e
      }
      expect(InvalidArgumentError.isInstance(error)).toBe(true)
      expect((error as InvalidArgumentError).parameter).toBe('--plugin')
    }
    const { code, stderr } = await runRoutesim('--plugin', './src/format.ts', 'strategies')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('exports strategy definitions')
  })

  it('rejects two plugins that register the same name', async () => {
    const { code, stderr } = await runRoutesim('--plugin', plugin, '--plugin', plugin, 'strategies')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('rank_local')
  })
})
