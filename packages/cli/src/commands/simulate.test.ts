import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runRoutesim, runRoutesimJson } from '../../test/run-routesim.ts'
import { BACKEND_MODES } from '../backend.ts'
import { EXIT_BAD_INPUT } from '../cli.ts'
import { parseCapacityFlag } from './simulate.ts'

const small = ['simulate', '--preset', 'mixtral-8x7b', '--strategy', 'zipf', '--tokens', '64', '--steps', '4', '--layers', '2', '--ep', '4', '--seed', '3']

describe('routesim simulate', () => {
  it('runs a scenario from flags and prints the summary table', async () => {
    const run = await runRoutesim(...small, '--eplb', '--eplb-interval', '2', '--redundant', '4', '--capacity', 'megatron:capacityFactor=1.25')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('per-layer mean (vLLM)')
    expect(run.stdout).toContain('dropped, megatron@1.25')
    expect(run.stdout).toMatch(/EPLB rearranged after step 1 \((hierarchical|global)/)
    expect(run.stdout).toContain('step 4/4')
  })

  it('prints the summary as JSON, identically for the same seed', async () => {
    const a = await runRoutesim(...small, '--json')
    const b = await runRoutesim(...small, '--json')
    expect(a.code).toBe(0)
    expect(a.stdout).toBe(b.stdout)
    const summary = JSON.parse(a.stdout)
    expect(summary).toMatchObject({ preset: 'mixtral-8x7b', steps: 4, layers: 2, tokenLayers: 4 * 64 * 2, epSize: 4 })
    const c = await runRoutesim(...small.slice(0, -1), '4', '--json')
    expect(c.stdout).not.toBe(a.stdout)
  })

  it('streams every step to --json-out and reads a scenario file, flags overriding it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routesim-simulate-'))
    const file = join(dir, 'scenario.json')
    writeFileSync(
      file,
      JSON.stringify({
        preset: 'qwen3-30b-a3b',
        layers: 2,
        tokensPerStep: 32,
        steps: 50,
        strategy: 'uniform_random',
        parallel: { epSize: 8, nodes: 2 },
        eplb: { stepInterval: 2, redundantExperts: 8 },
      }),
    )
    const out = join(dir, 'metrics.json')
    const run = await runRoutesim('simulate', '--scenario', file, '--steps', '3', '--json-out', out, '--quiet')
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain('step 1/3')
    const metrics = JSON.parse(readFileSync(out, 'utf8'))
    expect(metrics.steps).toHaveLength(3)
    expect(metrics.steps[0].layers).toHaveLength(2)
    expect(metrics.steps[0].layers[0].load.total).toBe(32 * 8)
    expect(metrics.summary.steps).toBe(3)
    expect(metrics.scenario.steps).toBe(3)
    // the resolved scenario: defaults filled in, the preset spelled out
    expect(metrics.scenario.preset.routing.numExperts).toBe(128)
    expect(metrics.scenario.eplb).toMatchObject({ enabled: true, windowSize: 1000, replicaChoice: 'modulo' })
  })

  it('reports every problem of the flags at once and exits 2', async () => {
    const run = await runRoutesim(
      'simulate',
      '--preset',
      'deepseek-v3',
      '--strategy',
      'nope',
      '--tokens',
      '0',
      '--steps',
      '1',
      '--ep',
      '7',
      '--nodes',
      '2',
      '--capacity',
      'megatron:capacityFactor=-1',
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Invalid command-line flags')
    // errors name the flags the user typed, not the scenario's internal fields
    for (const flag of ['--strategy', '--tokens', '--ep-size', '--nodes', '--capacity #1.capacityFactor']) expect(run.stderr).toContain(`- ${flag}:`)
    expect(run.stderr).toContain('uniform_random')
  })

  it('rejects a malformed scenario file and an unknown preset by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routesim-simulate-'))
    const file = join(dir, 'bad.json')
    writeFileSync(file, '{ "preset": "deepseek-v3", ')
    const bad = await runRoutesim('simulate', '--scenario', file)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('malformed JSON')
    const missing = await runRoutesim('simulate', '--scenario', join(dir, 'missing.json'))
    expect(missing.code).toBe(2)
    const preset = await runRoutesim('simulate', '--preset', 'gpt-5', '--strategy', 'zipf', '--tokens', '8', '--steps', '1')
    expect(preset.code).toBe(2)
    expect(preset.stderr).toContain('available presets: [deepseek-v3, kimi-k2, qwen3-235b-a22b')
  })

  it("routes with the preset's own router under --strategy native", async () => {
    const summary = await runRoutesimJson(
      'simulate',
      '--preset',
      'deepseek-v3',
      '--strategy',
      'native',
      '--tokens',
      '32',
      '--steps',
      '2',
      '--layers',
      '2',
      '--ep',
      '8',
      '--eplb',
      '--eplb-interval',
      '1',
      '--redundant',
      '8',
      '--preserve-slots',
      '--json',
    )
    expect(summary.perLayer.map((l: { strategy: string }) => l.strategy)).toEqual(['grouped_topk', 'grouped_topk'])
    expect(summary.eplb.rebalances).toBe(2)
  })

  it('--backend webgpu runs the scenario loop on the device (where an adapter exists) and says so', async (context) => {
    const args = [
      'simulate',
      '--preset',
      'deepseek-v3',
      '--strategy',
      'zipf',
      '--tokens',
      '256',
      '--steps',
      '3',
      '--layers',
      '3',
      '--ep-size',
      '8',
      '--backend',
      'webgpu',
    ]
    const first = await runRoutesim(...args, '--json')
    if (first.code !== 0 && process.env.ROUTESIM_REQUIRE_WEBGPU !== '1' && first.stderr.includes('webgpu'))
      context.skip(`no WebGPU adapter: ${first.stderr.trim()}`)
    expect(first.stderr).toBe('')
    const summary = JSON.parse(first.stdout) as { execution: { layersOn: string }; tokenLayers: number }
    expect(summary.execution.layersOn).toBe('device')
    expect(summary.tokenLayers).toBe(3 * 256 * 3)
    expect((await runRoutesim(...args, '--json')).stdout).toBe(first.stdout)
    const table = await runRoutesim(...args, '--quiet')
    expect(table.stdout).toMatch(/layers ran on[\s│]+the device \(3 layers drawn and measured on webgpu/)
  })

  it('--threads N spreads the layers over N threads with the same results, and says where they ran', async () => {
    const args = ['simulate', '--preset', 'deepseek-v3', '--strategy', 'zipf', '--tokens', '512', '--steps', '3', '--layers', '5', '--ep-size', '8', '--json']
    const runs = await Promise.all(['1', '3'].map((n) => runRoutesim(...args, '--threads', n)))
    const [one, three] = runs.map((r) => {
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      return JSON.parse(r.stdout) as { execution: { layersOn: string; threads: number } }
    })
    expect(one!.execution).toMatchObject({ layersOn: 'calling thread', threads: 1 })
    expect(three!.execution).toMatchObject({ layersOn: 'threads', threads: 3 })
    expect(JSON.stringify({ ...three, execution: undefined })).toBe(JSON.stringify({ ...one, execution: undefined }))
    const table = await runRoutesim(...args.slice(0, -1), '--threads', '2', '--quiet')
    expect(table.stdout).toMatch(/layers ran on[\s│]+2 threads \(5 layers pinned to 2 threads\)/)
    const bad = await runRoutesim(...args, '--threads', '0')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('- --threads:')
  })

  it('parses --capacity flags', () => {
    expect(parseCapacityFlag('tutel:mode=capped,capacityFactor=2,alignment=8')).toEqual({ policy: 'tutel', mode: 'capped', capacityFactor: 2, alignment: 8 })
    expect(parseCapacityFlag('deepspeed:capacityFactor=1,dropTokens=false')).toEqual({ policy: 'deepspeed', capacityFactor: 1, dropTokens: false })
    expect(() => parseCapacityFlag('megatron:1.25')).toThrow(/policy:key=value/)
  })
})

// The flags with a fixed set of values are checked by simulate's flag schema (not by commander), so a bad
// value is routesim's typed error, as for every other command's flags.
describe("routesim simulate's enum flags", () => {
  const backends = BACKEND_MODES.map((mode) => `'${mode}'`).join(', ')
  const flags: [flag: string, bad: string, allowed: string][] = [
    ['--placement', 'diagonal', "'linear', 'round_robin'"],
    ['--eplb-policy', 'greedy', "'auto', 'hierarchical', 'global'"],
    ['--replica-choice', 'first', "'modulo', 'random', 'rank_local'"],
    ['--backend', 'cuda', backends],
    ['--indices-type', 'int16', "'int32', 'int64'"],
  ]

  for (const [flag, bad, allowed] of flags) {
    it(`${flag} ${bad}: the typed error naming the flag, the text typed and what is allowed, exit code 2`, async () => {
      const run = await runRoutesim(...small, flag, bad)
      expect(run.code).toBe(EXIT_BAD_INPUT)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe(`error: Invalid ${flag}: "${bad}". Allowed: ${allowed}.\n`)
    })
  }

  it('lists every bad one at once, in the order of the help, before the scenario file is read', async () => {
    const run = await runRoutesim('simulate', '--scenario', join(tmpdir(), 'routesim-no-such-scenario.json'), '--backend', 'cuda', '--placement', 'diagonal')
    expect(run.code).toBe(EXIT_BAD_INPUT)
    expect(run.stderr).toBe(
      [
        'error: Invalid routesim simulate flags (2 problems):',
        `  - --placement: "diagonal" is not allowed; expected 'linear', 'round_robin'`,
        `  - --backend: "cuda" is not allowed; expected ${backends}`,
        '',
      ].join('\n'),
    )
  })

  it('takes every allowed value, and the help still lists them', async () => {
    const run = await runRoutesim(
      ...small,
      ...['--placement', 'round_robin', '--eplb', '--eplb-interval', '2', '--eplb-policy', 'global', '--replica-choice', 'rank_local'],
      ...['--backend', 'wasm', '--indices-type', 'int64', '--json'],
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ epSize: 4, eplb: { enabled: true } })
    const help = (await runRoutesim('simulate', '--help')).stdout.replace(/\s+/g, ' ')
    for (const [, , allowed] of flags) expect(help).toContain(`(choices: ${allowed.replaceAll("'", '"')}`)
    expect(help).toContain('--placement <kind> layout of experts over ranks without EPLB (choices: "linear", "round_robin")')
  })
})
