import { createSimulator } from '@routesim/simulator'
import { describe, expect, it } from 'vitest'
import { TEST_DEFINITIONS } from '../../test/fixtures.ts'
import { parseScenario } from '../scenario/parse-scenario.ts'
import { runScenario } from './run-scenario.ts'
import type { RoutedLayer, RunScenarioOptions } from './run-scenario.ts'
import type { StepResult } from './step-result.ts'
import type { ScenarioSummary } from './summary.ts'

// The built-ins: the worker threads can build them, so runs put their layers on the threads.
const simulator = createSimulator()

interface Run {
  readonly steps: StepResult[]
  readonly summary: ScenarioSummary
  readonly routed: string[]
}

async function run(json: Record<string, unknown>, options: Omit<RunScenarioOptions, 'onStep' | 'simulator'> = {}, sim = simulator): Promise<Run> {
  const steps: StepResult[] = []
  const routed: string[] = []
  const onRoute = (r: RoutedLayer) =>
    routed.push(`${r.step}/${r.layer}:${Array.from(r.ids.data as Int32Array).join(',')}|${Array.from(r.weights.data).join(',')}`)
  const summary = await runScenario(parseScenario(json, { simulator: sim }), { ...options, simulator: sim, onRoute, onStep: (r) => void steps.push(r) })
  return { steps, summary, routed }
}

/** Everything but where it ran. */
const results = (r: Run): string => JSON.stringify({ steps: r.steps, summary: { ...r.summary, execution: undefined }, routed: r.routed })

/** The loop as it was before layers went to threads: every layer on this thread, in order (a resolver forces it). */
const legacy: RunScenarioOptions['resolveStrategy'] = (choice, _layer, seed) => ({
  strategy: simulator.createStrategy(choice.name, choice.params, { seed }),
  usesLogits: simulator.describeStrategy(choice.name).usesLogits === true,
})

const CASES: Record<string, Record<string, unknown>> = {
  'zipf with EPLB, random replicas and capacity': {
    preset: 'deepseek-v3',
    layers: 5,
    tokensPerStep: 512,
    steps: 5,
    seed: 11,
    strategy: { name: 'zipf', params: { exponent: 1.2 } },
    parallel: { epSize: 8, nodes: 2 },
    eplb: { redundantExperts: 32, stepInterval: 2, windowSize: 2, replicaChoice: 'random' },
    capacity: [{ policy: 'megatron', capacityFactor: 1 }],
  },
  'native grouped_topk on drawn logits, rank_local dispatch': {
    preset: 'deepseek-v3',
    layers: 3,
    tokensPerStep: 256,
    steps: 3,
    seed: 'native',
    strategy: 'native',
    parallel: { epSize: 8, nodes: 2 },
    eplb: { redundantExperts: 32, stepInterval: 2, replicaChoice: 'rank_local' },
  },
  'stateful strategies per layer (sticky, cross_layer, dirichlet)': {
    preset: 'mixtral',
    tokensPerStep: 1024,
    steps: 4,
    seed: 3,
    strategy: 'sticky',
    layerStrategies: [
      { layers: '1-9', name: 'cross_layer' },
      { layers: '10-20', name: 'dirichlet' },
    ],
    parallel: { epSize: 4 },
  },
  'uniform_random above one sampling chunk (its own row streams)': {
    preset: 'qwen3-30b-a3b',
    layers: 2,
    tokensPerStep: 8300,
    steps: 2,
    seed: 5,
    strategy: 'uniform_random',
    parallel: { epSize: 8 },
  },
}

describe('runScenario on threads', () => {
  for (const [name, json] of Object.entries(CASES)) {
    it(`${name}: the same bytes for 1, 2, 3 and 8 threads as the loop on one thread`, async () => {
      const before = await run(json, { resolveStrategy: legacy })
      expect(before.summary.execution.layersOn).toBe('calling thread')
      const reference = results(before)
      for (const threads of [1, 2, 3, 8]) {
        const r = await run({ ...json, threads })
        expect(results(r)).toBe(reference)
        expect(r.summary.execution).toMatchObject(threads === 1 ? { layersOn: 'calling thread', threads: 1 } : { layersOn: 'threads' })
        if (threads > 1) expect(r.summary.execution.threads).toBe(Math.min(threads, r.summary.layers))
      }
    })
  }

  it('keeps the layers on the calling thread for a strategy the workers cannot build, and says so', async () => {
    const withPlugin = createSimulator()
    for (const definition of TEST_DEFINITIONS) withPlugin.registerStrategy(definition.name, definition)
    const json = { preset: 'deepseek-v3', layers: 3, tokensPerStep: 512, steps: 2, strategy: 'zipf', threads: 2 }
    const mixed = await run({ ...json, layerStrategies: [{ layers: '2', name: 'test_uniform' }] }, {}, withPlugin)
    expect(mixed.summary.execution).toMatchObject({ layersOn: 'calling thread', threads: 1 })
    expect(mixed.summary.execution.reason).toMatch(/test_uniform/)
    expect((await run(json, {}, withPlugin)).summary.execution.layersOn).toBe('threads')
  })

  it('keeps small layer-steps on the calling thread (under the hand-off size)', async () => {
    const r = await run({ preset: 'deepseek-v3', layers: 4, tokensPerStep: 16, steps: 2, strategy: 'zipf', threads: 2 })
    expect(r.summary.execution).toMatchObject({ layersOn: 'calling thread', threads: 1 })
    expect(r.summary.execution.reason).toMatch(/hand-off/)
  })

  it('stops between steps when aborted, and the threads go on serving later runs', async () => {
    const json = { preset: 'deepseek-v3', layers: 4, tokensPerStep: 512, steps: 30, seed: 9, strategy: 'zipf', threads: 2 }
    const controller = new AbortController()
    const seen: number[] = []
    const stopped = runScenario(parseScenario(json, { simulator }), {
      simulator,
      signal: controller.signal,
      onStep: (r) => {
        seen.push(r.step)
        if (r.step === 2) controller.abort(new Error('enough'))
      },
    })
    await expect(stopped).rejects.toThrow('enough')
    expect(seen).toEqual([0, 1, 2])
    const again = await run({ ...json, steps: 3 })
    expect(again.summary.execution.layersOn).toBe('threads')
    expect(results(again)).toBe(results(await run({ ...json, steps: 3, threads: 1 })))
  })

  it('rejects a bad thread count by its field', () => {
    for (const threads of [0, 1.5, 257, '4']) {
      expect(() => parseScenario({ preset: 'mixtral', tokensPerStep: 8, steps: 1, strategy: 'zipf', threads }, { simulator })).toThrow(/threads/)
    }
  })
})
