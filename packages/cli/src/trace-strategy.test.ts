import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIT_BAD_INPUT } from './cli.ts'
import { runRoutesim, runRoutesimJson } from '../test/run-routesim.ts'

// --trace and --trace-order are the program's own flags (before or after the command), read and checked
// by their flag schema once before the command runs, as every command's flags are.
describe('the global --trace-order flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routesim-trace-order-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  // ids of shape [2, 3, 1]: two layers of three tokens, or vLLM's two tokens of three layers.
  const trace = join(dir, 'trace.json')
  writeFileSync(
    trace,
    JSON.stringify({
      topk_ids: [
        [[0], [1], [2]],
        [[3], [3], [3]],
      ],
    }),
  )
  const replay = ['route', '-s', 'replay', '-t', '2', '-e', '4', '-k', '1', '--json']

  it('reads a 3-D trace in the layout it names', async () => {
    const layersTokens = await runRoutesimJson<{ counts: number[] }>('--trace', trace, '--trace-order', 'layers-tokens', ...replay)
    expect(layersTokens.counts).toEqual([1, 1, 0, 0]) // layer 0: tokens 0 and 1 of [0, 1, 2]
    const tokensLayers = await runRoutesimJson<{ counts: number[] }>('--trace', trace, ...replay, '--trace-order', 'tokens-layers')
    expect(tokensLayers.counts).toEqual([1, 0, 0, 1]) // layer 0: token 0's id 0, token 1's id 3
  })

  it('refuses a bad value with the typed error naming the flag, the text and the layouts, and exit code 2, before or after the command', async () => {
    for (const argv of [
      ['--trace-order', 'tokens-first', 'strategies'],
      ['strategies', '--trace-order', 'tokens-first'],
      ['--trace', trace, '--trace-order', 'tokens-first', ...replay],
      ['simulate', '--preset', 'mixtral-8x7b', '--trace-order', 'tokens-first'],
    ]) {
      const run = await runRoutesim(...argv)
      expect(run.code, argv.join(' ')).toBe(EXIT_BAD_INPUT)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe(`error: Invalid --trace-order: "tokens-first". Allowed: 'layers-tokens', 'tokens-layers'.\n`)
    }
  })

  it('names a bad value after the help when no command is given', async () => {
    const run = await runRoutesim('--trace-order', 'tokens-first')
    expect(run.code).toBe(EXIT_BAD_INPUT)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^Usage: routesim /)
    expect(run.stderr.endsWith(`error: Invalid --trace-order: "tokens-first". Allowed: 'layers-tokens', 'tokens-layers'.\n`)).toBe(true)
  })

  it('still lists the layouts in the help', async () => {
    const { stdout } = await runRoutesim('--help')
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      `--trace-order <order> --trace's 3-D ids layout: [layers, tokens, k] or vLLM's [tokens, layers, k] (choices: "layers-tokens", "tokens-layers")`,
    )
  })
})
