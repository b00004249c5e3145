import { describe, expect, it } from 'vitest'
import { ConfigValidationError } from '@routesim/core'
import { TEST_DEFINITIONS } from '../../test/fixtures.ts'
import { parseScenario } from './parse-scenario.ts'
import { createDefinitionCatalog } from './strategy-catalog.ts'

const catalog = createDefinitionCatalog(TEST_DEFINITIONS)

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseScenario(input, { catalog, source: 'test.json' })
  } catch (e) {
    if (ConfigValidationError.isInstance(e)) return [...(e as ConfigValidationError).issues]
    throw e
  }
  throw new Error('expected a ConfigValidationError')
}

describe('parseScenario', () => {
  it('fills defaults and resolves the preset and per-layer strategies', () => {
    const s = parseScenario(
      {
        preset: 'DeepSeek-R1',
        tokensPerStep: 64,
        steps: 3,
        layers: 4,
        strategy: 'test_uniform',
        layerStrategies: [{ layers: '1-2', name: 'test_skewed', params: { s: 2 } }],
        parallel: { epSize: 8, nodes: 2 },
        eplb: { redundantExperts: 32, stepInterval: 10 },
      },
      { catalog },
    )
    expect(s.preset.name).toBe('deepseek-v3')
    expect(s.name).toBe('deepseek-v3')
    expect(s.seed).toBe(0)
    expect(s.layerStrategies.map((c) => c.name)).toEqual(['test_uniform', 'test_skewed', 'test_skewed', 'test_uniform'])
    expect(s.layerStrategies[1]!.params).toEqual({ s: 2 })
    expect(s.parallel).toEqual({ epSize: 8, nodes: 2, placement: 'linear' })
    expect(s.eplb).toEqual({
      enabled: true,
      windowSize: 1000,
      stepInterval: 10,
      redundantExperts: 32,
      policy: 'auto',
      replicaChoice: 'modulo',
      preserveIntraGpuSlots: false,
    })
    expect(s.capacity).toEqual([])
  })

  it('defaults strategy parameters from the definition', () => {
    const s = parseScenario({ preset: 'mixtral-8x7b', tokensPerStep: 8, steps: 1, strategy: { name: 'test_skewed' } }, { catalog })
    expect(s.layerStrategies).toHaveLength(32)
    expect(s.layerStrategies[0]!.params).toEqual({ s: 1.2 })
    expect(s.eplb.enabled).toBe(false)
  })

  it('reports every problem at once, each with its path', () => {
    const issues = issuesOf({
      preset: 'deepseek-v3',
      tokensPerStep: 0,
      steps: 2.5,
      strategy: 'nope',
      layerStrategies: [{ layers: '70-80', name: 'test_skewed', params: { s: -1 } }],
      parallel: { epSize: 7, nodes: 3, placment: 'linear' },
      capacity: [{ policy: 'megatron', capacityFactor: -1.25 }, { policy: 'fifo' }],
      eplb: { redundantExperts: 32, policy: 'hierarchical', replicaChoice: 'nearest', windowSize: 0 },
      extra: true,
    })
    const paths = issues.map((i) => i.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'extra',
        'tokensPerStep',
        'steps',
        'strategy',
        'layerStrategies[0].params',
        'layerStrategies[0].layers',
        'parallel.placment',
        'parallel.nodes',
        'parallel.epSize',
        'capacity[0].capacityFactor',
        'capacity[1].policy',
        'eplb.replicaChoice',
        'eplb.windowSize',
        'eplb.policy',
      ]),
    )
    expect(issues.find((i) => i.path === 'strategy')!.message).toContain('available strategies: [test_uniform, test_skewed, test_logit_topk]')
    expect(issues.find((i) => i.path === 'parallel.epSize')!.message).toContain('288 physical expert slots')
    expect(issues.find((i) => i.path === 'capacity[0].capacityFactor')!.message).toContain('negative')
    expect(issues.find((i) => i.path === 'eplb.policy')!.message).toContain('8 expert groups')
  })

  it('rejects an unknown preset with the list, and a missing strategy', () => {
    const issues = issuesOf({ preset: 'gpt-5', tokensPerStep: 8, steps: 1 })
    expect(issues.find((i) => i.path === 'preset')!.message).toContain('deepseek-v3, kimi-k2')
    const missing = issuesOf({ preset: 'mixtral', tokensPerStep: 8, steps: 1, layerStrategies: [{ layers: '0-3', name: 'test_uniform' }] })
    expect(missing).toEqual([{ path: 'strategy', message: expect.stringContaining('layers [4, 5, 6, 7, 8, 9, 10, 11, …]') }])
  })

  it('rejects zero replicas and replica counts that do not fill the slots', () => {
    const counts = new Array(8).fill(1)
    counts[3] = 0
    counts[5] = 3
    const issues = issuesOf({
      preset: 'mixtral',
      tokensPerStep: 8,
      steps: 1,
      strategy: 'test_uniform',
      eplb: { redundantExperts: 2, initialReplicaCounts: counts },
    })
    expect(issues).toEqual([{ path: 'eplb.initialReplicaCounts[3]', message: expect.stringContaining('zero replicas') }])
    const sum = issuesOf({
      preset: 'mixtral',
      tokensPerStep: 8,
      steps: 1,
      strategy: 'test_uniform',
      eplb: { redundantExperts: 2, initialReplicaCounts: [1, 1, 1, 1, 1, 1, 1, 2] },
    })
    expect(sum[0]!.message).toContain('sums to 9')
  })

  it('reports malformed JSON and non-objects as issues', () => {
    expect(issuesOf('{ "preset": ')[0]!.message).toMatch(/malformed JSON/)
    expect(issuesOf([1, 2])[0]!.path).toBe('$')
    const e = (() => {
      try {
        parseScenario('{"preset": 1}', { catalog, source: 'bad.json' })
      } catch (err) {
        return err as Error
      }
    })()
    expect(e?.message).toMatch(/^Invalid bad\.json \(\d+ problems\)/)
  })

  it('labels capacity settings and rejects duplicate labels', () => {
    const s = parseScenario(
      {
        preset: 'mixtral',
        tokensPerStep: 8,
        steps: 1,
        strategy: 'test_uniform',
        capacity: [
          { policy: 'megatron', capacityFactor: 1.25 },
          { policy: 'tutel', mode: 'capped', capacityFactor: 2 },
        ],
      },
      { catalog },
    )
    expect(s.capacity.map((c) => c.label)).toEqual(['megatron@1.25', 'tutel@2/capped'])
    const dup = issuesOf({
      preset: 'mixtral',
      tokensPerStep: 8,
      steps: 1,
      strategy: 'test_uniform',
      capacity: [
        { policy: 'megatron', capacityFactor: 1 },
        { policy: 'megatron', capacityFactor: 1 },
      ],
    })
    expect(dup[0]!.path).toBe('capacity[1].label')
  })
})
