import { describe, expect, it } from 'vitest'
import { TOPK_REFERENCE_HANDOFF_ELEMENTS } from '@routesim/gpu'
import { EXIT_BAD_INPUT, EXIT_OK } from './cli.ts'
import { runRoutesim, runRoutesimJson, widestLine } from '../test/run-routesim.ts'

interface RouteJson {
  strategy: string
  parameters: Record<string, unknown>
  tokens: number
  experts: number
  topK: number
  seed: number | string
  backend: string
  ranOn: string
  usesLogits: boolean
  summary: {
    total: number
    min: number
    max: number
    mean: number
    maxOverMean: number
    minOverMean: number
    cv: number
    gini: number
    entropy: number
    distinctExperts: number
    duplicateIdRate: number
    tokensWithDuplicates: number
    balancedness?: number
  }
  ranks?: { epSize: number; placement: string; loads: number[] }
  counts: number[]
}

function routeJson(...args: string[]): Promise<RouteJson> {
  return runRoutesimJson<RouteJson>('route', ...args, '--json')
}

const base = (strategy: string, t: number, e: number, k: number) => [
  '--strategy',
  strategy,
  '--tokens',
  String(t),
  '--experts',
  String(e),
  '--top-k',
  String(k),
]

describe('routesim route --json', () => {
  it('prints per-expert counts that sum to T·k, with a summary that matches them', async () => {
    const r = await routeJson(...base('uniform_random', 1000, 64, 6), '--seed', '7')
    expect(r).toMatchObject({ strategy: 'uniform_random', tokens: 1000, experts: 64, topK: 6, seed: 7, backend: 'reference', ranOn: 'reference' })
    expect(r.counts).toHaveLength(64)
    const sum = r.counts.reduce((a, b) => a + b, 0)
    expect(sum).toBe(6000)
    expect(r.summary.total).toBe(6000)
    expect(r.summary.min).toBe(Math.min(...r.counts))
    expect(r.summary.max).toBe(Math.max(...r.counts))
    expect(r.summary.mean).toBeCloseTo(6000 / 64, 12)
    expect(r.summary.maxOverMean).toBeCloseTo(Math.max(...r.counts) / (6000 / 64), 12)
    expect(r.summary.distinctExperts).toBe(r.counts.filter((c) => c > 0).length)
    // The default uniform draw is k distinct experts per token.
    expect(r.summary.duplicateIdRate).toBe(0)
    expect(r.summary.tokensWithDuplicates).toBe(0)
  })

  it('is byte-identical for the same seed and differs for another seed', async () => {
    const args = [...base('uniform_random', 500, 32, 4), '--json']
    const a = await runRoutesim('route', ...args, '--seed', '11')
    const b = await runRoutesim('route', ...args, '--seed', '11')
    const c = await runRoutesim('route', ...args, '--seed', '12')
    expect(a.stdout).toBe(b.stdout)
    expect(JSON.parse(a.stdout).counts).not.toEqual(JSON.parse(c.stdout).counts)
  })

  it("shows the seed's duplicates with replacement=true (P(dup) = 1 − Π(1 − i/E) ≈ 0.87 for E=16, k=8)", async () => {
    const r = await routeJson(...base('uniform_random', 2000, 16, 8), '--param', 'replacement=true')
    expect(r.parameters.replacement).toBe(true)
    let pNoDup = 1
    for (let i = 1; i < 8; i++) pNoDup *= 1 - i / 16
    const expected = 1 - pNoDup
    // Binomial sd over 2000 tokens is ≈ 0.0075; 6 sd keeps this from flaking while still catching a wrong draw.
    expect(Math.abs(r.summary.duplicateIdRate - expected)).toBeLessThan(0.045)
    expect(r.summary.tokensWithDuplicates).toBe(Math.round(r.summary.duplicateIdRate * 2000))
    expect(r.counts.reduce((a, b) => a + b, 0)).toBe(16000)
  })

  it('routes normal_routing with its default parameters reported', async () => {
    const r = await routeJson(...base('normal_routing', 300, 16, 4))
    expect(r.parameters).toMatchObject({ mean: 0, std: 1 })
    expect(r.counts.reduce((a, b) => a + b, 0)).toBe(1200)
  })

  it('draws N(0,1) logits from the seed for routers, which then pick k distinct experts', async () => {
    const args = [...base('softmax_topk', 800, 64, 4), '--seed', '5']
    const r = await routeJson(...args)
    expect(r.usesLogits).toBe(true)
    expect(r.counts.reduce((a, b) => a + b, 0)).toBe(3200)
    expect(r.summary.duplicateIdRate).toBe(0)
    expect((await routeJson(...args)).counts).toEqual(r.counts)
    // Different seed ⇒ different logits ⇒ different routing (the router itself is deterministic).
    expect((await routeJson(...base('softmax_topk', 800, 64, 4), '--seed', '6')).counts).not.toEqual(r.counts)
  })

  it('routes on a gpu.js backend when asked, and says where it ran', async () => {
    // Just above the gpu package's hand-off threshold, so the kernel really runs.
    const tokens = Math.ceil(TOPK_REFERENCE_HANDOFF_ELEMENTS / 32) + 1
    const args = [...base('softmax_topk', tokens, 32, 4), '--seed', '2']
    const reference = await routeJson(...args)
    const cpu = await routeJson(...args, '--backend', 'cpu')
    expect(cpu.backend).toBe('cpu')
    expect(cpu.ranOn).toBe('cpu')
    expect(cpu).toHaveProperty('lastRun.ranOn', 'kernel')
    // Same logits, same top-k: ids agree with the reference except at float32 ties (none at this size).
    expect(cpu.counts).toEqual(reference.counts)
  })

  it('routes on the wasm backend: the SIMD kernel ran, and the routing equals the reference', async () => {
    const args = [...base('softmax_topk', 3000, 256, 8), '--seed', '3']
    const reference = await routeJson(...args)
    const wasm = await routeJson(...args, '--backend', 'wasm')
    expect(wasm).toMatchObject({ backend: 'wasm', ranOn: 'wasm-simd', lastRun: { operation: 'topK', ranOn: 'kernel' } })
    expect(wasm.counts).toEqual(reference.counts)
    // grouped_topk with softmax scoring has no kernel: it is handed to the reference, and the output says so.
    const grouped = await routeJson(...base('grouped_topk', 100, 64, 4), '--param', 'scoring=softmax', '--backend', 'wasm')
    expect(grouped).toHaveProperty('lastRun.ranOn', 'reference')
  })

  it("'auto' without a hardware WebGPU adapter routes on the wasm backend and says why", async () => {
    const args = [...base('softmax_topk', 500, 64, 4), '--seed', '4']
    const auto = await routeJson(...args, '--backend', 'auto')
    // CI and dev machines have at most a software adapter (never auto-picked); a GPU machine may take webgpu.
    expect(['wasm-simd', 'webgpu']).toContain(auto.ranOn)
    if (auto.ranOn === 'wasm-simd') expect(auto.counts).toEqual((await routeJson(...args)).counts)
  })

  it("measures a target strategy's balancedness at its target (strategies and analysis agree)", async () => {
    for (const target of [0.3, 0.6, 0.9]) {
      const r = await routeJson(...base('target_balancedness', 4096, 256, 8), '--param', `target=${target}`, '--param', 'epSize=32', '--ep-size', '32')
      expect(Math.abs(r.summary.balancedness! - target) / target).toBeLessThanOrEqual(0.02)
    }
  })

  it('accepts strategy names case-insensitively and reports the registered name', async () => {
    const r = await routeJson(...base('Uniform_Random', 10, 8, 2))
    expect(r.strategy).toBe('uniform_random')
  })

  it('reports rank loads and balancedness for --ep-size', async () => {
    const r = await routeJson(...base('uniform_random', 400, 16, 2), '--ep-size', '4', '--placement', 'round_robin')
    expect(r.ranks?.epSize).toBe(4)
    expect(r.ranks?.placement).toBe('round_robin')
    const expectedLoads = [0, 1, 2, 3].map((rank) => r.counts.filter((_, e) => e % 4 === rank).reduce((a, b) => a + b, 0))
    expect(r.ranks?.loads).toEqual(expectedLoads)
    expect(r.summary.balancedness).toBeCloseTo(800 / 4 / Math.max(...expectedLoads), 12)
  })
})

describe('routesim route (tables)', () => {
  it('prints one row per expert for small E, and the summary', async () => {
    const { code, stdout } = await runRoutesim('route', ...base('uniform_random', 200, 8, 2), '--seed', '3')
    expect(code).toBe(EXIT_OK)
    const json = await routeJson(...base('uniform_random', 200, 8, 2), '--seed', '3')
    for (let e = 0; e < 8; e++) expect(stdout).toMatch(new RegExp(`│\\s+${e} │\\s+${json.counts[e]} │`))
    expect(stdout).toContain(`min / mean / max load   ${json.summary.min} / 50.00 / ${json.summary.max}`)
    expect(stdout).toContain('distinct experts used   8 of 8')
    expect(stdout).toContain('duplicate-id rate       0.00%')
    expect(widestLine(stdout)).toBeLessThanOrEqual(80)
  })

  it('keeps a 256-expert layer within 80 columns: histogram and a grid of all counts', async () => {
    const args = base('uniform_random', 4096, 256, 8)
    const { code, stdout } = await runRoutesim('route', ...args)
    expect(code).toBe(EXIT_OK)
    expect(widestLine(stdout)).toBeLessThanOrEqual(80)
    expect(stdout).toContain('Load distribution')
    const json = await routeJson(...args)
    // The grid row for experts 248–255 holds their counts in order.
    const row = stdout.split('\n').find((line) => line.includes('248–255'))
    expect(
      row
        ?.split('│')
        .slice(2, 10)
        .map((c) => Number(c.trim())),
    ).toEqual(json.counts.slice(248, 256))
    // Histogram rows count every expert once.
    const histogram = stdout.slice(stdout.indexOf('Load distribution'), stdout.indexOf('Per-expert load'))
    const experts = histogram
      .split('\n')
      .filter((line) => /^│\s*\d/.test(line))
      .map((line) => Number(line.split('│')[3]!.trim()))
    expect(experts.reduce((a, b) => a + b, 0)).toBe(256)
  })

  it('shows only the histogram and the extremes for very large E', async () => {
    const { code, stdout } = await runRoutesim('route', ...base('uniform_random', 64, 1024, 2))
    expect(code).toBe(EXIT_OK)
    expect(stdout).toContain('Hottest experts')
    expect(stdout).not.toContain('Per-expert load')
    expect(widestLine(stdout)).toBeLessThanOrEqual(80)
  })
})

describe('routesim route: bad input', () => {
  async function expectBadInput(args: string[], ...fragments: string[]) {
    const { code, stdout, stderr } = await runRoutesim('route', ...args)
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^error: /)
    for (const f of fragments) expect(stderr).toContain(f)
    expect(stderr).not.toMatch(/^\s+at /m) // no stack trace
  }

  it('names the available strategies for an unknown one', () =>
    expectBadInput(base('zipff', 10, 8, 2), 'Unknown routing strategy: zipff', "'uniform_random'", "'normal_routing'"))

  it('rejects a parameter value that does not parse', () =>
    expectBadInput([...base('uniform_random', 10, 8, 2), '--param', 'replacement=maybe'], 'replacement', '"maybe"', 'true or false'))

  it('rejects a parameter the strategy does not have, listing the known ones', () =>
    expectBadInput([...base('normal_routing', 10, 8, 2), '--param', 'sigma=2'], "Unknown parameter 'sigma'", 'mean', 'std'))

  it('rejects an out-of-range parameter', () => expectBadInput([...base('normal_routing', 10, 8, 2), '--param', 'std=-1'], 'std', '-1'))

  it('rejects a --param without "="', () => expectBadInput([...base('normal_routing', 10, 8, 2), '--param', 'std'], '--param', 'key=value'))

  it('rejects k > E for distinct experts', () => expectBadInput(base('uniform_random', 10, 4, 5)))

  it('rejects non-integer sizes, naming the flag and the text given', async () => {
    await expectBadInput(base('uniform_random', 1.5, 8, 2), '--tokens', '"1.5"')
    await expectBadInput(base('uniform_random', 10, 0, 2), '--experts', '"0"')
    await expectBadInput([...base('uniform_random', 10, 8, 2).slice(0, 6), '--top-k', 'two'], '--top-k', '"two"')
  })

  it('lists every bad flag at once, in the order of the options', () =>
    expectBadInput(
      ['-s', 'zipf', '-t', '0', '-e', 'x', '-k', '2', '--placement', 'diagonal'],
      'Invalid routesim route flags (3 problems):',
      '- --tokens: "0" is not allowed; expected an integer in [1, 4194304]',
      '- --experts: "x" is not allowed; expected an integer in [1, 1048576]',
      "- --placement: \"diagonal\" is not allowed; expected 'linear', 'round_robin'",
    ))

  it('rejects runs too large to hold in memory, before allocating', () => expectBadInput(base('softmax_topk', 2 ** 21, 256, 8), '--tokens', 'at most 1048576'))

  it('rejects an EP size that does not divide E', () => expectBadInput([...base('uniform_random', 10, 8, 2), '--ep-size', '3'], 'epSize', '3'))

  it('rejects an unknown backend with the list of modes', async () => {
    const { code, stderr } = await runRoutesim('route', ...base('uniform_random', 10, 8, 2), '--backend', 'cuda')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('Invalid --backend: "cuda"')
    expect(stderr).toContain("'webgpu'")
  })

  it('refuses a gpu mode this machine cannot run (never a silent fallback), listing the modes that can', async () => {
    // Node has no WebGL2 context (gpu.js offers only headless-gl there, which is WebGL1 and not built here).
    const { code, stdout, stderr } = await runRoutesim('route', ...base('softmax_topk', 10, 8, 2), '--backend', 'webgl2')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stdout).toBe('')
    expect(stderr).toContain("Backend 'webgl2' is not available")
    expect(stderr).toContain("'cpu'")
  })

  it('prints the stack trace under --debug', async () => {
    const { code, stderr } = await runRoutesim('--debug', 'route', ...base('zipff', 10, 8, 2))
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toMatch(/^\s+at /m)
  })
})
