import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { layerCounts, readTrace, traceCounts } from '@routesim/io'
import { runRoutesim, runRoutesimJson } from '../../test/run-routesim.ts'

const dir = mkdtempSync(join(tmpdir(), 'routesim-trace-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const at = (name: string): string => join(dir, name)

const route = ['route', '-s', 'zipf', '-t', '512', '-e', '64', '-k', '4', '-p', 'exponent=1.1', '--seed', '9']

async function ok(...argv: string[]) {
  const run = await runRoutesim(...argv)
  expect(run.code, run.stderr).toBe(0)
  return run
}

describe('route --out and simulate --out', () => {
  it.each(['npy', 'npz', 'safetensors', 'pt', 'json', 'jsonl', 'csv'])('route --out .%s holds the routing route reports', async (ext) => {
    const file = at(`route.${ext}`)
    const run = await ok(...route, '--json', '--out', file)
    expect(run.stderr).toMatch(new RegExp(`routing written to .*route\\.${ext}`))
    const reported = JSON.parse(run.stdout) as { counts: number[] }
    const trace = readTrace(readFileSync(file), file, { experts: 64 })
    expect(Array.from(traceCounts(trace))).toEqual(reported.counts)
    if (ext === 'npz' || ext === 'safetensors' || ext === 'pt' || ext === 'jsonl') {
      expect(trace.kind === 'ids' && trace.weights?.length).toBe(512 * 4)
    }
  })

  it('writes topk_ids as int64 with --indices-type int64, and is byte-identical for the same seed', async () => {
    await ok(...route, '--out', at('a.npz'), '--indices-type', 'int64')
    await ok(...route, '--out', at('b.npz'), '--indices-type', 'int64')
    expect(readFileSync(at('a.npz')).equals(readFileSync(at('b.npz')))).toBe(true)
    const { readNpz } = await import('@routesim/io')
    const arrays = readNpz(readFileSync(at('a.npz')))
    expect([arrays['topk_ids']!.dtype, arrays['topk_ids']!.shape, arrays['topk_weights']!.dtype]).toEqual(['int64', [512, 4], 'float32'])
  })

  it('refuses an --out it cannot write, naming the flag, before routing', async () => {
    const bad = await runRoutesim(...route, '--out', at('routing.txt'))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--out')
    expect(bad.stderr).toContain('.safetensors')
    const missingDir = await runRoutesim(...route, '--out', join(dir, 'no', 'such', 'dir.npy'))
    expect(missingDir.code).toBe(2)
    expect(missingDir.stderr).toContain('--out')
  })

  it('simulate --out records [steps, layers, tokens, k]; jsonl has a line per (step, layer)', async () => {
    const sim = [
      'simulate',
      '--preset',
      'mixtral-8x7b',
      '--strategy',
      'zipf',
      '--tokens',
      '64',
      '--steps',
      '3',
      '--layers',
      '2',
      '--ep-size',
      '4',
      '--seed',
      '5',
      '--quiet',
    ]
    await ok(...sim, '--out', at('sim.safetensors'))
    const trace = readTrace(readFileSync(at('sim.safetensors')), 'sim.safetensors')
    expect(trace.kind === 'ids' && [trace.steps, trace.layers, trace.tokens, trace.topK]).toEqual([3, 2, 64, 2])
    await ok(...sim, '--out', at('sim.jsonl'))
    const lines = readFileSync(at('sim.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; layer: number; topk_ids: number[][] })
    expect(lines.map((l) => [l.step, l.layer])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ])
    expect(lines[3]!.topk_ids).toEqual(
      Array.from({ length: 64 }, (_, t) =>
        Array.from(trace.kind === 'ids' ? trace.ids.subarray((1 * 2 + 1) * 128 + t * 2, (1 * 2 + 1) * 128 + t * 2 + 2) : []),
      ),
    )
  })
})

describe('routesim analyze', () => {
  it('prints per-layer metrics, the balancedness variants and what EPLB would do', async () => {
    await ok(
      'simulate',
      '--preset',
      'qwen3-30b-a3b',
      '--strategy',
      'zipf',
      '-p',
      'exponent=1.3',
      '--tokens',
      '256',
      '--steps',
      '2',
      '--layers',
      '3',
      '--ep-size',
      '8',
      '--quiet',
      '--out',
      at('qwen.npz'),
    )
    const run = await ok('analyze', at('qwen.npz'), '--ep-size', '8')
    expect(run.stdout).toContain('top-8 ids of 256 tokens × 3 layers × 2 steps, 128 experts')
    for (const text of [
      'max÷mean',
      'Gini',
      'dup ids',
      'bal. EP 8',
      'after EPLB',
      'per-layer mean (vLLM)',
      'token-weighted',
      '(SGLang)',
      'worst layer',
      'total',
    ])
      expect(run.stdout).toContain(text)
    expect(run.stdout).toMatch(/EPLB [\s\S]* would take[\s\S]*the per-layer mean from 0\.\d+ to 0\.\d+/)
  })

  it('--json has counts in total and per layer, equal to the trace counted independently', async () => {
    const json = await runRoutesimJson<{
      counts: number[]
      perLayer: { counts: number[]; balancedness: number; eplb: { balancedness: number } }[]
      balancedness: { static: number; eplb: number }
    }>('analyze', at('qwen.npz'), '--ep-size', '8', '--json')
    const trace = readTrace(readFileSync(at('qwen.npz')), 'qwen.npz')
    const rows = layerCounts(trace).map((r) => Array.from(r))
    expect(json.perLayer.map((l) => l.counts)).toEqual(rows)
    expect(json.counts).toEqual(rows[0]!.map((_, e) => rows.reduce((s, r) => s + r[e]!, 0)))
    expect(json.counts.reduce((a, b) => a + b, 0)).toBe(2 * 3 * 256 * 8)
    expect(json.balancedness.eplb).toBeGreaterThan(json.balancedness.static)
  })

  it('reads hand-written CSV counts and says what it assumed', async () => {
    writeFileSync(at('counts.csv'), 'layer,e0,e1,e2,e3\n0,10,20,30,40\n1,25,25,25,25\n')
    const json = await runRoutesimJson<{
      kind: string
      perLayer: { counts: number[]; balancedness: number }[]
    }>('analyze', at('counts.csv'), '--ep-size', '2', '--json')
    expect(json.kind).toBe('counts')
    expect(json.perLayer.map((l) => l.counts)).toEqual([
      [10, 20, 30, 40],
      [25, 25, 25, 25],
    ])
    expect(json.perLayer.map((l) => l.balancedness)).toEqual([50 / 70, 1])
  })

  it('several recordings (per-rank dumps) are analysed together: tokens joined, or counts summed', async () => {
    const r1 = JSON.parse((await ok(...route, '--json', '--out', at('rank0.npz'))).stdout) as { counts: number[] }
    const r2 = JSON.parse((await ok(...route.slice(0, -1), '10', '--json', '--out', at('rank1.npz'))).stdout) as { counts: number[] }
    const both = await runRoutesimJson<{
      counts: number[]
      tokens: number
      assumptions: string[]
    }>('analyze', at('rank0.npz'), at('rank1.npz'), '--experts', '64', '--json')
    expect(both.counts).toEqual(r1.counts.map((c, e) => c + r2.counts[e]!))
    expect(both.tokens).toBe(1024)
    expect(both.assumptions.join('\n')).toContain('joined the tokens of 2 traces')
    writeFileSync(at('rank2.csv'), `${Array.from({ length: 64 }, (_, e) => (e === 0 ? 7 : 0)).join(',')}\n`)
    const mixed = await runRoutesimJson<{ kind: string; counts: number[] }>('analyze', at('rank0.npz'), at('rank2.csv'), '--json')
    expect(mixed.kind).toBe('counts')
    expect(mixed.counts).toEqual(r1.counts.map((c, e) => c + (e === 0 ? 7 : 0)))
    const bad = await runRoutesim('analyze', at('rank0.npz'), at('qwen.npz'))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/<file>.*qwen\.npz.*same layers/)
  })

  it.each([
    [['analyze', 'no-such-file.npy'], /<file>.*no-such-file\.npy/],
    [['analyze', '/'], /<file>.*directory/],
    [['analyze', '/dev/null'], /Cannot read \/dev\/null/],
    [['analyze', '--ep-size', '3', 'QWEN'], /--ep-size/],
    [['analyze', '--layout', 'rows', 'QWEN'], /--layout/],
  ])('bad input is a typed error with exit 2: %j', async (argv, message) => {
    const run = await runRoutesim(...argv.map((a) => (a === 'QWEN' ? at('qwen.npz') : a)))
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toContain('    at ')
  })

  it('a truncated file names the file and what is missing', async () => {
    const bytes = readFileSync(at('route.npy'))
    writeFileSync(at('truncated.npy'), bytes.subarray(0, bytes.length - 5))
    const run = await runRoutesim('analyze', at('truncated.npy'))
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/Cannot read .*truncated\.npy: npy data: .* truncated/)
  })
})

describe('routesim fit', () => {
  it('recovers the zipf exponent of a routed trace, prints the fit table, and writes a scenario simulate runs', async () => {
    await ok('route', '-s', 'zipf', '-t', '4096', '-e', '256', '-k', '8', '-p', 'exponent=1.2', '--seed', '4', '--out', at('zipf.npz'))
    const scenario = at('fitted.json')
    const run = await ok('fit', at('zipf.npz'), '--scenario-out', scenario)
    expect(run.stdout).toMatch(/layer\s+│ exponent\s+│ max÷mean trace \/ fit/)
    const exponent = Number(/Strategy {2}zipf \(exponent=([\d.]+)\)/.exec(run.stdout)?.[1])
    expect(Math.abs(exponent / 1.2 - 1)).toBeLessThan(0.05)
    expect(run.stdout).toContain(`routesim simulate --scenario ${scenario}`)
    const json = await runRoutesimJson<{
      value: number
      strategy: { name: string }
      route: string
      perLayer: { error: { gini: number } }[]
    }>('fit', at('zipf.npz'), '--json')
    expect(json.strategy.name).toBe('zipf')
    expect(Math.abs(json.perLayer[0]!.error.gini)).toBeLessThan(0.02)
    expect(json.route).toMatch(/^routesim route -s zipf -t 4096 -e 256 -k 8 -p exponent=/)
    expect(await runRoutesimJson('simulate', '--scenario', scenario, '--json', '--quiet')).toMatchObject({ preset: 'deepseek-v3', layers: 1 })
  })

  it('refuses an unknown family, naming --family', async () => {
    const run = await runRoutesim('fit', at('zipf.npz'), '--family', 'gaussian')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--family')
  })
})

describe('--trace and the replay strategy', () => {
  it('route -s replay gives back the recorded routing exactly', async () => {
    const recorded = JSON.parse((await ok(...route, '--json', '--out', at('rec.npz'))).stdout) as { counts: number[] }
    const replayed = await runRoutesimJson<{
      counts: number[]
    }>('--trace', at('rec.npz'), 'route', '-s', 'replay', '-t', '512', '-e', '64', '-k', '4', '--json')
    expect(replayed.counts).toEqual(recorded.counts)
    // --trace after the command works too, and `strategies` lists replay while a trace is given.
    const listed = await ok('strategies', '--trace', at('rec.npz'))
    expect(listed.stdout).toContain('replay')
  })

  it('simulate replays a recorded run layer by layer and step by step: the same load metrics', async () => {
    const base = ['simulate', '--preset', 'mixtral-8x7b', '--tokens', '128', '--steps', '3', '--layers', '2', '--ep-size', '4', '--json', '--quiet']
    const original = JSON.parse((await ok(...base, '--strategy', 'zipf', '-p', 'exponent=1.4', '--out', at('run.npz'))).stdout) as { load: unknown }
    const replay = await runRoutesimJson<{ load: unknown }>(...base, '--strategy', 'replay', '--trace', at('run.npz'))
    expect(replay.load).toEqual(original.load)
  })

  it("counts-only traces replay with each step's per-expert counts exactly", async () => {
    writeFileSync(at('steps.csv'), 'step,layer,e0,e1,e2,e3\n0,0,4,2,2,0\n1,0,1,1,3,3\n')
    const runs = []
    for (let i = 0; i < 3; i++) runs.push(await ok('--trace', at('steps.csv'), 'route', '-s', 'replay', '-t', '4', '-e', '4', '-k', '2', '--json'))
    // route builds a fresh strategy each run, so every run replays step 0.
    expect((JSON.parse(runs[0]!.stdout) as { counts: number[] }).counts).toEqual([4, 2, 2, 0])
    const sim = await ok(
      '--trace',
      at('steps.csv'),
      'simulate',
      '--preset',
      'mixtral-8x7b',
      '--strategy',
      'replay',
      '-p',
      'onEnd=stop',
      '--tokens',
      '8',
      '--steps',
      '2',
      '--layers',
      '1',
      '--ep-size',
      '2',
      '--quiet',
      '--out',
      at('replayed.jsonl'),
    )
    expect(sim.code).toBe(0)
    const replayed = readTrace(readFileSync(at('replayed.jsonl')), 'replayed.jsonl', { experts: 8 })
    const counts = Array.from(traceCounts(replayed))
    // 8 tokens × top-2 = 16 slots per step, the recorded 8 scaled ×2 exactly.
    expect([counts.slice(0, 4), counts.slice(8, 12)]).toEqual([
      [8, 4, 4, 0],
      [2, 2, 6, 6],
    ])
  })

  it('a missing --trace file names the flag; replay past the end with onEnd=stop is a typed error', async () => {
    const missing = await runRoutesim('--trace', at('none.npz'), 'route', '-s', 'replay', '-t', '4', '-e', '4', '-k', '2')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--trace')
    const past = await runRoutesim(
      '--trace',
      at('steps.csv'),
      'simulate',
      '--preset',
      'mixtral-8x7b',
      '--strategy',
      'replay',
      '-p',
      'onEnd=stop',
      '--tokens',
      '8',
      '--steps',
      '3',
      '--layers',
      '1',
      '--ep-size',
      '2',
      '--quiet',
    )
    expect(past.code).toBe(2)
    expect(past.stderr).toMatch(/no more tokens for layer 0/)
  })
})
