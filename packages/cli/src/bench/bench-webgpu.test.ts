import { describe, expect, it } from 'vitest'
import { EXIT_OK } from '../cli.ts'
import { runRoutesim } from '../../test/run-routesim.ts'

// The device-resident variants need a WebGPU adapter (CI: Dawn on SwiftShader, VK_ICD_FILENAMES set; the GPU
// machine: NVIDIA). Without one the bench reports webgpu as unavailable; that is only a failure where
// ROUTESIM_REQUIRE_WEBGPU=1 says an adapter must exist.
const probe = await runRoutesim('bench', '--backend', 'webgpu', '--workloads', 'histogram', '--tokens', '16', '--reps', '1', '--warmup', '0')
const available = probe.code === EXIT_OK
if (!available && process.env.ROUTESIM_REQUIRE_WEBGPU === '1') throw new Error(`webgpu unavailable: ${probe.stderr}`)

describe.skipIf(!available)('routesim bench --backend webgpu', () => {
  it('adds device-resident variants that say what they time, each with checked outputs', { timeout: 120_000 }, async () => {
    const { code, stdout, stderr } = await runRoutesim(
      'bench',
      '--backend',
      'webgpu',
      '--workloads',
      'uniform_distinct,softmax_topk,simulate_zipf',
      '--tokens',
      '512,simulate_zipf=16',
      '--reps',
      '1',
      '--warmup',
      '0',
    )
    expect(stderr).not.toContain('failed')
    expect(code).toBe(EXIT_OK)
    const records = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const names = records.map((r) => `${r.workload}:${r.impl}`)
    // the default (fastest exact) path is always timed too, before the backends asked for
    expect(names).toEqual([
      'uniform_distinct:routesim-default',
      'softmax_topk:routesim-default',
      'simulate_zipf:routesim-default',
      'uniform_distinct:routesim-webgpu-resident',
      'uniform_distinct:routesim-webgpu-counts',
      'softmax_topk:routesim-webgpu',
      'softmax_topk:routesim-webgpu-resident',
      'softmax_topk:routesim-webgpu-resident-owned',
      'simulate_zipf:routesim-webgpu-resident',
    ])
    for (const r of records.filter((r) => r.impl.startsWith('routesim-webgpu-'))) expect(r.timed).toMatch(/device/)
    expect(records.find((r) => r.impl === 'routesim-webgpu-resident' && r.workload === 'simulate_zipf').tokens).toBe(16 * 58)
  })
})
