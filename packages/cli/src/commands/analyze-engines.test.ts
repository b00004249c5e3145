import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeEngineDumps, type EngineDumps } from '../../../io/test/engine-dumps.ts'
import { hasTorch, python, pythonRequired } from '../../../io/test/python.ts'
import { runRoutesim, runRoutesimJson } from '../../test/run-routesim.ts'

// What a user does with a recording: `routesim analyze FILE --json` on files real torch and numpy wrote
// in SGLang's and vLLM's shapes, and torch.save(topk_ids); the counts must be the ones Python computed.
describe.runIf(hasTorch || pythonRequired)('routesim analyze reads what SGLang, vLLM and torch.save write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routesim-analyze-engines-'))
  let expected: EngineDumps
  beforeAll(() => {
    expected = writeEngineDumps(dir)
    python('import sys, torch; torch.save((torch.arange(48) * 5 % 32).reshape(12, 4), sys.argv[1])', [join(dir, 'topk_ids.pt')])
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  interface AnalyzeJson {
    counts: number[]
    layerIds?: number[]
    perLayer: { counts: number[]; modelLayer?: number }[]
    assumptions: string[]
  }
  const analyze = (...argv: string[]): Promise<AnalyzeJson> => runRoutesimJson<AnalyzeJson>('analyze', ...argv, '--json')

  it.each([
    ['expert_distribution_recorder_stat.pt', []],
    ['expert_distribution_recorder_per_pass_0.pt', []],
    ['expert_distribution_recorder_per_token_0.pt', []],
    ['vllm_request.npz', []],
    ['routed_experts.npy', ['--order', 'tokens-layers', '--experts', '16']],
    ['routed_experts.pt', ['--order', 'tokens-layers', '--experts', '16']],
  ] as const)('%s', async (file, flags) => {
    const json = await analyze(join(dir, file), '--ep-size', '4', ...flags)
    const want = expected[file]!
    expect(json.perLayer.map((l) => l.counts)).toEqual(want.counts)
    expect(json.counts).toEqual(want.counts[0]!.map((_, e) => want.counts.reduce((s, row) => s + row[e]!, 0)))
    if (file.startsWith('expert_distribution')) expect(json.perLayer.map((l) => l.modelLayer)).toEqual(want.layerIds)
  })

  it('torch.save(topk_ids) of an int64 tensor', async () => {
    const json = await analyze(join(dir, 'topk_ids.pt'), '--experts', '32')
    const want = new Array<number>(32).fill(0)
    for (let i = 0; i < 48; i++) want[(i * 5) % 32]!++
    expect(json.counts).toEqual(want)
  })

  it('the text report names the SGLang mode and the dropped dense layer', async () => {
    const run = await runRoutesim('analyze', join(dir, 'expert_distribution_recorder_stat.pt'), '--ep-size', '4')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('stat mode')
    expect(run.stdout).toMatch(/dropped layer 0/)
    expect(run.stdout).toMatch(/1 \(model 2\)/)
  })
})
