import { BackendUnavailableError } from '@routesim/core'
import { describe, expect, it } from 'vitest'
import type { BenchRecord } from './record.ts'
import { runBench, type BenchPlan } from './run-bench.ts'
import type { BenchTarget, WorkloadContext } from './target.ts'
import { DEFAULT_SHAPE, DEFAULT_TOKENS } from './workloads.ts'

const plan: BenchPlan = {
  targets: ['fake'],
  workloads: ['histogram', 'softmax_topk'],
  tokens: { ...DEFAULT_TOKENS, histogram: 10, softmax_topk: 20 },
  shape: DEFAULT_SHAPE,
  reps: 5,
  warmup: 1,
  seed: 0,
}

function fakeTarget(options: { skip?: string; wrong?: boolean; calls?: WorkloadContext[] } = {}): BenchTarget {
  return {
    name: 'fake',
    description: 'fake target',
    async prepare(context) {
      options.calls?.push(context)
      if (context.workload === 'softmax_topk' && options.skip) return { runs: [], skipped: options.skip }
      return {
        runs: [
          {
            impl: 'routesim-fake',
            tokens: context.tokens,
            run: () => (options.wrong ? 'wrong' : 'ok'),
            verify: (output) => {
              if (output !== 'ok') throw new Error('wrong output')
            },
          },
        ],
      }
    },
    dispose() {},
  }
}

async function collect(target: () => Promise<BenchTarget>, p: BenchPlan = plan) {
  const records: BenchRecord[] = []
  const notes: string[] = []
  const result = await runBench(p, { open: target, record: (r) => records.push(r), note: (n) => notes.push(n) })
  return { ...result, records, notes }
}

describe('runBench', () => {
  it('emits one record per workload in the WORKLOADS.md schema, with the sizes asked for', async () => {
    const calls: WorkloadContext[] = []
    const { records, failures } = await collect(async () => fakeTarget({ calls }))
    expect(failures).toEqual([])
    expect(records.map((r) => [r.impl, r.workload, r.tokens, r.experts, r.top_k, r.reps])).toEqual([
      ['routesim-fake', 'histogram', 10, 256, 8, 5],
      ['routesim-fake', 'softmax_topk', 20, 256, 8, 5],
    ])
    for (const r of records) {
      expect(Object.keys(r).slice(0, 7)).toEqual(['impl', 'workload', 'tokens', 'experts', 'top_k', 'median_ms', 'tokens_per_s'])
      expect(r.median_ms).toBeGreaterThanOrEqual(0)
    }
    expect(calls.map((c) => c.tokens)).toEqual([10, 20])
  })

  it('reports a workload a target cannot run as skipped, not as a record', async () => {
    const { records, failures, notes } = await collect(async () => fakeTarget({ skip: 'no path' }))
    expect(records.map((r) => r.workload)).toEqual(['histogram'])
    expect(failures).toEqual([])
    expect(notes.some((n) => n.includes('softmax_topk: skipped — no path'))).toBe(true)
  })

  it('turns a wrong output into a failure and prints no record for it', async () => {
    const { records, failures } = await collect(async () => fakeTarget({ wrong: true }))
    expect(records).toEqual([])
    expect(failures.map((f) => f.workload)).toEqual(['histogram', 'softmax_topk'])
  })

  it('goes on past a backend that cannot open and returns its error', async () => {
    const unavailable = new BackendUnavailableError({ mode: 'webgpu', reason: 'no adapter', availableModes: ['cpu'] })
    const { records, failures } = await collect(
      async (name = '') => {
        if (name === 'webgpu') throw unavailable
        return fakeTarget()
      },
      { ...plan, targets: ['webgpu', 'fake'] },
    )
    expect(failures).toEqual([{ target: 'webgpu', error: unavailable }])
    expect(records).toHaveLength(2)
  })
})
