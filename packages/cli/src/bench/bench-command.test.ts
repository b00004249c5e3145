import { describe, expect, it } from 'vitest'
import { EXIT_BAD_INPUT, EXIT_OK } from '../cli.ts'
import { runRoutesim } from '../../test/run-routesim.ts'
import { WORKLOAD_NAMES } from './workloads.ts'

const SMALL = ['--tokens', '64,simulate_zipf=32', '--reps', '1', '--warmup', '0', '--warmup-ms', '0']

describe('routesim bench', () => {
  it('prints one JSON line per workload in the WORKLOADS.md schema on the reference backend', async () => {
    const { code, stdout, stderr } = await runRoutesim('bench', '--backend', 'reference', ...SMALL)
    expect(stderr).toContain('routesim-reference')
    expect(code).toBe(EXIT_OK)
    const all = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    // The default path runs first, then the --backend list.
    expect(all.map((r) => r.impl)).toEqual([...WORKLOAD_NAMES.map(() => 'routesim-default'), ...WORKLOAD_NAMES.map(() => 'routesim-reference')])
    const records = all.filter((r) => r.impl === 'routesim-reference')
    expect(records.map((r) => r.workload)).toEqual([...WORKLOAD_NAMES])
    for (const r of records) {
      expect(r.impl).toBe('routesim-reference')
      expect(r).toMatchObject({ experts: 256, top_k: 8, reps: 1 })
      expect(r.tokens).toBe(r.workload === 'simulate_zipf' ? 32 * 58 : 64)
      expect(r.median_ms).toBeGreaterThan(0)
      // tokens_per_s comes from the unrounded median and is rounded to an integer; median_ms to the microsecond,
      // so the unrounded median is at least median_ms − 0.0005 (the relative gap is largest on that side).
      const exact = r.tokens / (r.median_ms / 1000)
      expect(Math.abs(r.tokens_per_s - exact) / exact).toBeLessThanOrEqual(0.0005 / Math.max(r.median_ms - 0.0005, 0.0005) + 0.5 / r.tokens_per_s + 1e-9)
    }
  })

  it('times the wasm backend under its own name and says which calls it handed to the reference', async () => {
    const { code, stdout } = await runRoutesim('bench', '--backend', 'wasm', '--workloads', 'softmax_topk,grouped_topk', ...SMALL)
    expect(code).toBe(EXIT_OK)
    const [softmax, grouped] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((r) => r.impl !== 'routesim-default')
    expect(softmax).toMatchObject({ impl: 'routesim-wasm-simd', workload: 'softmax_topk' })
    expect(softmax).not.toHaveProperty('timed')
    expect(grouped).toMatchObject({ impl: 'routesim-wasm-simd', workload: 'grouped_topk' })
    expect(grouped).not.toHaveProperty('timed') // DeepSeek-V3 routing runs in the sigmoid kernel
  })

  it('runs only the workloads asked for, in the order given', async () => {
    const { code, stdout } = await runRoutesim('bench', '--workloads', 'histogram,softmax_topk', ...SMALL)
    expect(code).toBe(EXIT_OK)
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).workload),
    ).toEqual(['histogram', 'softmax_topk'])
  })

  it('times the default path alone without flags, once per --threads count, with the same outputs checked', async () => {
    const { code, stdout, stderr } = await runRoutesim('bench', '--workloads', 'uniform_random,softmax_topk,histogram', '--threads', '1,3', ...SMALL)
    expect(code).toBe(EXIT_OK)
    expect(stderr).toContain('default path: 3 threads')
    const records = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(records.map((r) => [r.impl, r.workload, r.threads])).toEqual([
      ['routesim-default', 'uniform_random', 1],
      ['routesim-default', 'softmax_topk', 1],
      ['routesim-default', 'histogram', 1],
      ['routesim-default', 'uniform_random', 3],
      ['routesim-default', 'softmax_topk', 3],
      ['routesim-default', 'histogram', 3],
    ])
    expect(records[1].timed).toContain('wasm-simd kernels')
  })

  it.each([
    [['--threads', '0'], '--threads'],
    [['--threads', 'all'], '--threads'],
    [['--backend', 'cuda'], '--backend'],
    [['--workloads', 'topk'], 'workloads'],
    [['--reps', '0'], '--reps'],
    [['--tokens', 'histogram=-1'], 'tokens'],
  ])('rejects %j with exit code 2 and names the option', async (args, name) => {
    const { code, stdout, stderr } = await runRoutesim('bench', ...args)
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stdout).toBe('')
    expect(stderr).toContain(name)
  })
})
