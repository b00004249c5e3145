import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeEngineDumps, type EngineDumps } from '../test/engine-dumps.ts'
import { hasTorch, pythonRequired } from '../test/python.ts'
import { analyzeTrace } from './analyze-trace.ts'
import { readTrace } from './trace-file.ts'
import { mergeTraces } from './merge-traces.ts'
import { idsTrace, layerCounts, type TraceHints } from './trace.ts'

const dir = mkdtempSync(join(tmpdir(), 'routesim-io-engines-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.runIf(hasTorch || pythonRequired)('traces recorded by SGLang and vLLM (written by real torch/numpy)', () => {
  let expected: EngineDumps
  beforeAll(() => {
    expected = writeEngineDumps(dir)
  }, 120_000)

  const read = (file: string, hints: TraceHints = {}) => readTrace(readFileSync(join(dir, file)), file, hints)
  const rows = (file: string, hints: TraceHints = {}) => layerCounts(read(file, hints)).map((r) => Array.from(r))

  it('SGLang stat dump: logical counts per layer, dense layer and unused buffer rows dropped', () => {
    const file = 'expert_distribution_recorder_stat.pt'
    const trace = read(file)
    expect([trace.kind, trace.steps, trace.layers, trace.numExperts, trace.layerIds]).toEqual(['counts', 5, 3, 16, expected[file]!.layerIds])
    expect(rows(file)).toEqual(expected[file]!.counts)
    expect(trace.assumptions.join('\n')).toMatch(/stat mode[\s\S]*dropped 3 of 8 recorded passes[\s\S]*dropped layer 0/)
  })

  it('SGLang per_pass dump: physical counts summed onto logical experts through the map', () => {
    const file = 'expert_distribution_recorder_per_pass_0.pt'
    const trace = read(file)
    expect([trace.kind, trace.steps, trace.layers, trace.numExperts]).toEqual(['counts', 3, 3, 16])
    expect(rows(file)).toEqual(expected[file]!.counts)
  })

  it('SGLang per_token dump: ids of every pass, mapped to logical experts, top-k from the -1 padding', () => {
    const file = 'expert_distribution_recorder_per_token_0.pt'
    const trace = read(file)
    expect(trace.kind).toBe('ids')
    if (trace.kind !== 'ids') return
    expect([trace.layers, trace.tokens, trace.topK, trace.numExperts, trace.layerIds]).toEqual([3, 14, 6, 16, [1, 2, 3]])
    expect(rows(file)).toEqual(expected[file]!.counts)
    expect(trace.assumptions.join('\n')).toContain('top-k = 6 (SGLang pads to 8 with -1)')
  })

  it('vLLM routed_experts [tokens, layers, k]: by name in .npz, by the order hint in .npy and .pt', () => {
    const want = expected['vllm_request.npz']!.counts
    const npz = read('vllm_request.npz')
    expect(npz.kind === 'ids' && [npz.layers, npz.tokens, npz.topK]).toEqual([4, 12, 2])
    expect(rows('vllm_request.npz')).toEqual(want)
    expect(npz.assumptions.join('\n')).toMatch(/vLLM's \[tokens, layers, k\][\s\S]*layer 0: every slot names expert 0/)
    expect(rows('routed_experts.npy', { order: 'tokens-layers', experts: 16 })).toEqual(want)
    expect(rows('routed_experts.pt', { order: 'tokens-layers', experts: 16 })).toEqual(want)
    // Without the hint a .npy is read as [layers, tokens, k], and the trace says so.
    const plain = read('routed_experts.npy')
    expect(plain.kind === 'ids' && [plain.layers, plain.tokens]).toEqual([12, 4])
    expect(plain.assumptions.join('\n')).toContain("pass order 'tokens-layers'")
  })

  it('analyzeTrace totals are the per-layer counts added up (SGLang stat dump, EP 4 with EPLB)', () => {
    const file = 'expert_distribution_recorder_stat.pt'
    const analysis = analyzeTrace(read(file), { epSize: 4 })
    const total = expected[file]!.counts.reduce((acc, row) => acc.map((v, e) => v + row[e]!), new Array<number>(16).fill(0))
    expect(Array.from(analysis.total.counts)).toEqual(total)
    expect(analysis.balancedness!.eplb!).toBeGreaterThanOrEqual(analysis.balancedness!.static - 1e-12)
  })
})

describe('mergeTraces', () => {
  it('joins the tokens of one-step ids traces and sums counts otherwise', () => {
    const a = idsTrace({ ids: Int32Array.from([0, 1, 2, 3]), layers: 2, tokens: 1, topK: 2, numExperts: 4 })
    const b = idsTrace({ ids: Int32Array.from([3, 2, 1, 0]), layers: 2, tokens: 1, topK: 2, numExperts: 5 })
    const joined = mergeTraces([a, b])
    expect(joined.kind === 'ids' && [joined.tokens, joined.numExperts, Array.from(joined.ids)]).toEqual([2, 5, [0, 1, 3, 2, 2, 3, 1, 0]])
    const counts = mergeTraces([
      a,
      { kind: 'counts', steps: 1, layers: 2, numExperts: 4, counts: Float64Array.from([1, 0, 0, 0, 0, 0, 0, 9]), assumptions: [] },
    ])
    expect(counts.kind === 'counts' && Array.from(counts.counts)).toEqual([2, 1, 0, 0, 0, 0, 1, 10])
    expect(() => mergeTraces([a, idsTrace({ ids: Int32Array.from([0, 1]), tokens: 1, topK: 2, numExperts: 4 })])).toThrow(/traces\[1\]\.layers/)
  })
})
