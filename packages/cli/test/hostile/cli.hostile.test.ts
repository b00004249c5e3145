import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { EXIT_BAD_INPUT, EXIT_OK } from '../../src/cli.ts'
import { runRoutesim, runRoutesimJson, type CliRun } from '../run-routesim.ts'

// Every case of issue 10 that a user reaches through the command line: each must end with exit 2 and
// one message on stderr naming the flag or file (and what is allowed), or with the right result.
const scratch = mkdtempSync(join(tmpdir(), 'routesim-hostile-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
afterEach(() => vi.unstubAllEnvs())

const fixture = (name: string) => `./test/fixtures/plugins/${name}`
const file = (name: string, text: string): string => {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}
const route = ['route', '--tokens', '8', '--experts', '16', '--top-k', '2']
const simulate = ['simulate', '--preset', 'qwen3-30b-a3b', '--tokens', '16', '--steps', '1', '--layers', '1', '--quiet']

/** Exit 2, nothing on stdout, one `error:` message on stderr matching `message`. */
function expectBadInput(run: CliRun, message: RegExp | string): void {
  expect(run.code).toBe(EXIT_BAD_INPUT)
  expect(run.stderr).toMatch(/^error: /)
  if (typeof message === 'string') expect(run.stderr).toContain(message)
  else expect(run.stderr).toMatch(message)
  expect(run.stderr).not.toMatch(/failed unexpectedly|at .*\.ts:\d+/) // no stack, no "unexpected"
}

describe('hostile CLI: high', () => {
  it('a 168-byte scenario with layers "0-99999999999" is refused before the range is built (V8 fatal error before)', async () => {
    const path = file(
      'layers.json',
      JSON.stringify({
        preset: 'deepseek-v3',
        strategy: 'zipf',
        steps: 1,
        tokensPerStep: 8,
        layerStrategies: [{ layers: '0-99999999999', name: 'uniform_random', params: {} }],
      }).padEnd(168),
    )
    expectBadInput(
      await runRoutesim('simulate', '--scenario', path),
      /Invalid .*layers\.json \(1 problem\):\n {2}- layerStrategies\[0\]\.layers: "0-99999999999" is not allowed; expected .*each in \[0, 57\]/,
    )
  })

  it('a plugin returning k+1 ids per token is an error naming strategy and plugin (it reported mean load 12 instead of 8)', async () => {
    const run = await runRoutesim('--plugin', fixture('returns-k-plus-one.mjs'), ...route, '--strategy', 'k_plus_one')
    expectBadInput(
      run,
      `Strategy 'k_plus_one' (from plugin "${fixture('returns-k-plus-one.mjs')}") returned an invalid result: weights.shape is [8,3], not [8, 2]`,
    )
  })
})

describe('hostile CLI: medium', () => {
  it('a logit strategy asked for 4M tokens × 1M experts names both flags (a RangeError after trying to allocate 16 TB)', async () => {
    expectBadInput(
      await runRoutesim('route', '-s', 'logit_bias', '-t', '4194304', '-e', '1048576', '-k', '1'),
      'Invalid --tokens × --experts: 4398046511104 exceeds the limit on elements of one buffer (at most 268,435,456).',
    )
  })

  it.each([['268435456'], ['2147483648'], ['1e9'], ['0x10']])(
    'route --experts %s names --experts and its range (49 s then out of memory before)',
    async (experts) => {
      expectBadInput(
        await runRoutesim('route', '-s', 'softmax_topk', '-t', '1', '-e', experts, '-k', '1'),
        `Invalid --experts: "${experts}". Allowed: an integer in [1, 1048576].`,
      )
    },
  )

  it.each(['target_balancedness', 'target_gini', 'target_max_over_mean'])(
    '%s runs in simulate at its defaults (the parse-time check routed 1 token)',
    async (strategy) => {
      const summary = await runRoutesimJson<{ balancedness: { static: { perLayerMean: number } } }>(...simulate, '--strategy', strategy, '--json')
      expect(Number.isFinite(summary.balancedness.static.perLayerMean)).toBe(true)
    },
  )

  it('a scenario file 200k levels deep is a typed error (the error formatter overflowed the stack)', async () => {
    const deep = file('deep.json', `{"preset":${'['.repeat(200_000)}${']'.repeat(200_000)}}`)
    expectBadInput(await runRoutesim('simulate', '--scenario', deep), 'exceeds the limit on JSON nesting depth (at most 64)')
  })

  it.each(['simulate', 'demo'])('--plugin is honoured by %s: a plugin that throws at import is named (it was silently ignored)', async (command) => {
    const run = await runRoutesim('--plugin', fixture('throws-at-import.mjs'), command)
    expectBadInput(run, `plugin '${fixture('throws-at-import.mjs')}': importing it failed: cannot initialise the frobnicator`)
  })
})

describe('hostile CLI: low', () => {
  it('--scenario /dev/zero is capped (it read until std::bad_alloc)', async () => {
    expectBadInput(
      await runRoutesim('simulate', '--scenario', '/dev/zero'),
      'Invalid --scenario: "/dev/zero" exceeds the limit on file size (bytes) (at most 16,777,216)',
    )
  })

  it('a plugin whose top-level await never settles is reported after the load bound (it exited 13 silently or hung)', async () => {
    vi.stubEnv('ROUTESIM_PLUGIN_TIMEOUT_MS', '300')
    expectBadInput(
      await runRoutesim('--plugin', fixture('never-settles.mjs'), 'strategies'),
      /plugin '.*never-settles\.mjs': its import did not finish within 300 ms/,
    )
  })

  it('-p std=1e308 on logit_bias names logit_bias.std (it reported "Invalid routerLogits … -Infinity")', async () => {
    expectBadInput(
      await runRoutesim(...route, '-s', 'logit_bias', '-p', 'std=1e308'),
      'Invalid logit_bias.std: 1e+308. Allowed: a finite number in [0, 1000000].',
    )
  })

  it('demo --experts 1 blames --top-k against --experts (it reported hot_experts.hotCount: 8)', async () => {
    expectBadInput(await runRoutesim('demo', '--experts', '1'), 'Invalid --top-k: "8". Allowed: an integer in [1, 1] (at most --experts 1).')
    const fitted = await runRoutesim('demo', '--experts', '4', '--top-k', '2', '--ep-size', '2', '--tokens', '64', '--json')
    expect(fitted.code).toBe(EXIT_OK)
  })

  it('a huge --top-k names the whole range (it said "an integer ≥ 1")', async () => {
    expectBadInput(
      await runRoutesim('route', '-s', 'softmax_topk', '-t', '8', '-e', '16', '-k', '99999999999'),
      'Invalid --top-k: "99999999999". Allowed: an integer in [1, 1024].',
    )
  })

  it('a plugin strategy that throws is attributed to plugin and strategy', async () => {
    const run = await runRoutesim('--plugin', fixture('throws-in-route.mjs'), ...route, '--strategy', 'broken_router')
    expectBadInput(run, `plugin '${fixture('throws-in-route.mjs')}', strategy 'broken_router': it threw Cannot read properties of undefined (reading 'length')`)
  })

  it.each([
    ['a directory (generic EISDIR before)', () => scratch, /Invalid --json-out: ".*". Allowed: a writable file path \(EISDIR/],
    [
      'a path under a missing directory',
      () => join(scratch, 'missing', 'out.json'),
      /Invalid --json-out: ".*missing.*". Allowed: a writable file path \(ENOENT/,
    ],
    [
      '/dev/full: every write fails (it exited 13 with nothing printed)',
      () => '/dev/full',
      'Invalid --json-out: "/dev/full". Allowed: a writable file path (ENOSPC: no space left on device, write).',
    ],
  ])('--json-out to %s names the flag', async (_, path, message) => {
    expectBadInput(await runRoutesim(...simulate, '--strategy', 'zipf', '--json-out', path()), message)
  })

  it('a 50 MB preset name is not echoed back in full', async () => {
    const run = await runRoutesim(...simulate, '--strategy', 'zipf', '--preset', 'x'.repeat(50 * 1024 * 1024))
    expectBadInput(run, /--preset: unknown preset "x+…" \(52428800 characters\)/)
    expect(run.stderr.length).toBeLessThan(1000)
  })

  it.each([
    ['exponent=0x10 (read 16)', 'exponent=0x10', 'Invalid zipf.exponent: "0x10". Allowed: a finite number in [0, ∞).'],
    ['exponent=1_000', 'exponent=1_000', 'Invalid zipf.exponent: "1_000"'],
    [
      '__proto__=1 (silently dropped)',
      '__proto__=1',
      "Unknown parameter '__proto__' for zipf. Known parameters: [exponent, layout, weightPolicy, weightConcentration].",
    ],
    ['constructor=1', 'constructor=1', "Unknown parameter 'constructor' for zipf."],
  ])('-p %s is refused', async (_, param, message) => {
    expectBadInput(await runRoutesim(...route, '-s', 'zipf', '-p', param), message)
  })

  it('a scenario with a __proto__ key names it (it was silently dropped)', async () => {
    const path = file('proto.json', '{"preset":"qwen3-30b-a3b","strategy":"zipf","steps":1,"tokensPerStep":8,"__proto__":{"steps":5}}')
    expectBadInput(await runRoutesim('simulate', '--scenario', path), '- __proto__: unknown field; known fields: [name, seed, preset')
  })

  it.each([
    ['a newline', 'evil\nname'],
    ['an ANSI escape', 'red\u001b[31mname'],
    ['a bidi override', 'bidi\u202eeman'],
  ])('a strategy name with %s is printed escaped, never raw', async (_, name) => {
    const run = await runRoutesim(...route, '-s', name)
    expectBadInput(run, `Unknown routing strategy: ${JSON.stringify(name).replace('\u202e', '\\u202e')}.`)
    // Nothing but the final newline may be a control or format character.
    expect(run.stderr.trimEnd()).not.toMatch(/[\p{Cc}\p{Cf}]/u)
    expect(run.stderr.split('\n')[0]).toContain('Available strategies')
  })

  it('--steps 9007199254740991 is refused at once with the work it would take (it ran essentially forever)', async () => {
    const run = await runRoutesim('simulate', '--preset', 'deepseek-v3', '--strategy', 'zipf', '--steps', '9007199254740991')
    expectBadInput(
      run,
      /--steps: 9007199254740991 steps × 4096 tokens × 58 layers = 2\.14e\+21 routed tokens exceed the limit on steps × tokens × layers \(at most 1\.10e\+12\)/,
    )
  })
})
