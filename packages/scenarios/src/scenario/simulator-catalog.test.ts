import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createSimulator } from '@routesim/simulator'
import { runScenario } from '../loop/run-scenario.ts'
import { MODEL_PRESETS } from '../presets/model-presets.ts'
import { presetRouter } from '../presets/preset-router.ts'
import { parseScenario } from './parse-scenario.ts'
import { createSimulatorCatalog } from './simulator-catalog.ts'

describe('the simulator catalog', () => {
  const catalog = createSimulatorCatalog()

  it("lists the simulator's strategies in registration order", () => {
    expect(catalog.names.slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])
    expect(catalog.names).toEqual(expect.arrayContaining(['grouped_topk', 'zipf']))
    expect(catalog.names).toEqual(createSimulator().getAvailableStrategies())
  })

  it.each(MODEL_PRESETS.map((p) => [p.name, p] as const))("routes %s with its own router's parameters", async (_name, preset) => {
    const s = parseScenario(
      {
        preset: preset.name,
        layers: 1,
        tokensPerStep: 16,
        steps: 1,
        strategy: presetRouter(preset),
        parallel: { epSize: preset.routing.numExperts >= 8 ? 8 : 1 },
      },
      { catalog },
    )
    const steps: number[] = []
    await runScenario(s, { resolveStrategy: catalog.resolve, onStep: (r) => void steps.push(r.layers[0]!.load.total) })
    expect(steps).toEqual([16 * preset.routing.topK])
  })

  it("runs uniform_random end to end: distinct ids by default, the seed's repeats with replacement", async () => {
    const rates = async (params: Record<string, unknown>) => {
      const s = parseScenario(
        { preset: 'deepseek-v3', layers: 2, tokensPerStep: 512, steps: 2, strategy: { name: 'uniform_random', params }, parallel: { epSize: 8 } },
        { catalog },
      )
      const out: number[] = []
      await runScenario(s, { resolveStrategy: catalog.resolve, onStep: (r) => void out.push(...r.layers.map((l) => l.duplicateIdRate)) })
      return out
    }
    expect(await rates({})).toEqual([0, 0, 0, 0])
    // randint-style ids repeat in ≈ 10.5 % of tokens for E = 256, k = 8 (anchors §0.2)
    for (const rate of await rates({ replacement: true })) expect(rate).toBeGreaterThan(0.05)
  })

  it("'native' routes with the preset's own router", () => {
    const s = parseScenario(
      { preset: 'deepseek-v3', tokensPerStep: 8, steps: 1, strategy: 'native', layerStrategies: [{ layers: 0, name: 'native' }] },
      { catalog },
    )
    expect(s.layerStrategies[0]!.name).toBe('grouped_topk')
    expect(s.layerStrategies[1]!.params).toMatchObject({ numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid', routedScalingFactor: 2.5, variant: 'vllm' })
    expect(parseScenario({ preset: 'llama-4-maverick', tokensPerStep: 8, steps: 1, strategy: 'native' }, { catalog }).layerStrategies[0]!.name).toBe(
      'llama4_topk',
    )
    expect(() =>
      parseScenario({ preset: 'mixtral', tokensPerStep: 8, steps: 1, strategy: { name: 'native', params: { renormalize: false } } }, { catalog }),
    ).toThrow(/takes its parameters from the preset/)
  })

  it('reports parameters that only fail with the preset sizes, before running', () => {
    let issues: { path: string; message: string }[] = []
    try {
      parseScenario(
        {
          preset: 'deepseek-v3',
          tokensPerStep: 8,
          steps: 1,
          strategy: { name: 'grouped_topk', params: { numExpertGroup: 8, topkGroup: 4, correctionBias: [0, 0, 0] } },
          layerStrategies: [{ layers: '0-1', name: 'grouped_topk', params: { numExpertGroup: 8, topkGroup: 9 } }],
        },
        { catalog },
      )
    } catch (e) {
      issues = [...(e as { issues: typeof issues }).issues]
    }
    expect(issues.map((i) => i.path)).toEqual(['strategy', 'layerStrategies[0]'])
    expect(issues[0]!.message).toMatch(/correctionBias/)
    expect(issues[1]!.message).toMatch(/topkGroup/)
  })

  it.each(readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.json')))('example %s is a valid scenario', (file) => {
    const text = readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')
    const s = parseScenario(text, { catalog, source: file })
    expect(s.steps).toBeGreaterThan(0)
  })
})
