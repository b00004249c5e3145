import { describe, expect, it } from 'vitest'
import { createGpuBackend } from '@routesim/gpu'
import { createNodeWebGpu } from '@routesim/gpu/node'
import { createSimulator } from '@routesim/simulator'
import { parseScenario } from '../scenario/parse-scenario.ts'
import { runScenario } from './run-scenario.ts'
import type { RunScenarioOptions } from './run-scenario.ts'
import type { StepResult } from './step-result.ts'
import type { ScenarioSummary } from './summary.ts'

// The scenario loop on the device (webgpu): where it runs, determinism, EPLB on it, and why a run stays on the host.
const backend = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu() }).catch((error: unknown) => {
  if (process.env.ROUTESIM_REQUIRE_WEBGPU === '1') throw error
  console.warn(`Skipping device-loop tests: ${error instanceof Error ? error.message : String(error)}`)
  return undefined
})
const simulator = createSimulator()

interface Run {
  readonly steps: StepResult[]
  readonly summary: ScenarioSummary
}

async function run(json: Record<string, unknown>, options: Omit<RunScenarioOptions, 'onStep' | 'simulator'> = { backend }): Promise<Run> {
  const steps: StepResult[] = []
  const summary = await runScenario(parseScenario(json, { simulator }), { ...options, simulator, onStep: (r) => void steps.push(r) })
  return { steps, summary }
}

const ZIPF = {
  preset: 'deepseek-v3',
  layers: 3,
  tokensPerStep: 512,
  steps: 8,
  seed: 5,
  strategy: { name: 'zipf', params: { exponent: 1.2 } },
  parallel: { epSize: 8, nodes: 2 },
  eplb: { redundantExperts: 32, stepInterval: 4, windowSize: 4, replicaChoice: 'modulo' },
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

describe.skipIf(backend === undefined)('iterateScenario on a webgpu backend: the device loop', () => {
  for (const replicaChoice of ['modulo', 'random', 'rank_local'] as const) {
    it(`${replicaChoice}: runs on the device, the same seed gives the same results, EPLB rebalances there`, async () => {
      const json = { ...ZIPF, eplb: { ...ZIPF.eplb, replicaChoice } }
      const a = await run(json)
      expect(a.summary.execution).toMatchObject({ layersOn: 'device', threads: 1 })
      expect(a.summary.execution.reason).toMatch(/3 layers drawn and measured on webgpu/)
      const b = await run(json)
      expect(JSON.stringify(b)).toBe(JSON.stringify(a))
      const c = await run({ ...json, seed: 6 })
      expect(JSON.stringify(c.steps)).not.toBe(JSON.stringify(a.steps))
      for (const step of a.steps) {
        for (const layer of step.layers) {
          expect(layer.load.total).toBe(512 * 8)
          expect(layer.duplicateIdRate).toBe(0) // zipf draws k distinct experts
        }
        expect(step.balancedness.deployed.meanLoadSum).toBeCloseTo((3 * 512 * 8) / 8, 9)
      }
      // vLLM's schedule: the first rebalance after ¾ interval (step 0), then every 4 steps.
      expect(a.steps.filter((s) => s.rebalance).map((s) => s.step)).toEqual([0, 4])
      const rebalance = a.steps[0]!.rebalance!
      expect(rebalance.balancednessAfter).toBeGreaterThan(rebalance.balancednessBefore)
      // The maps EPLB deployed change the device's loads: after the first rebalance the deployed loads beat the static ones.
      const later = a.steps.slice(1)
      expect(mean(later.map((s) => s.balancedness.deployed.perLayerMean))).toBeGreaterThan(mean(later.map((s) => s.balancedness.static.perLayerMean)) + 0.05)
      // Step 0 still ran on the initial map (replicas of experts 0–31, wherever the hot ones are).
      expect(mean(later.map((s) => s.balancedness.deployed.perLayerMean))).toBeGreaterThan(a.steps[0]!.balancedness.deployed.perLayerMean + 0.05)
    })
  }

  it('agrees with the host loop statistically (same layouts, different draws)', async () => {
    const json = { ...ZIPF, tokensPerStep: 2048, steps: 4, eplb: { ...ZIPF.eplb, replicaChoice: 'random' } }
    const device = await run(json)
    const host = await run(json, {})
    expect(host.summary.execution.layersOn).not.toBe('device')
    const of = (r: Run, pick: (s: StepResult) => number) => mean(r.steps.map(pick))
    for (const pick of [(s: StepResult) => s.balancedness.static.perLayerMean, (s: StepResult) => s.balancedness.deployed.perLayerMean]) {
      expect(Math.abs(of(device, pick) - of(host, pick))).toBeLessThan(0.04)
    }
    const hot = (r: Run) => mean(r.steps.map((s) => s.layers[0]!.load.maxOverMean))
    expect(Math.abs(hot(device) - hot(host)) / hot(host)).toBeLessThan(0.1)
  })

  it('uniform layers (i.i.d. and distinct) and mixed per-layer strategies run there; duplicates are counted', async () => {
    const iid = await run({ ...ZIPF, strategy: { name: 'uniform_random', params: { replacement: true } }, steps: 2 })
    expect(iid.summary.execution.layersOn).toBe('device')
    // 1 − Π(1 − i/256), i < 8 ≈ 10.5 % of tokens repeat an expert.
    expect(iid.steps[1]!.layers[0]!.duplicateIdRate).toBeGreaterThan(0.05)
    expect(iid.steps[1]!.layers[0]!.duplicateIdRate).toBeLessThan(0.17)
    const mixed = await run({ ...ZIPF, steps: 2, layerStrategies: [{ layers: '1', name: 'uniform_random' }] })
    expect(mixed.summary.execution.layersOn).toBe('device')
    expect(mixed.steps[1]!.layers[1]!.load.maxOverMean).toBeLessThan(mixed.steps[1]!.layers[0]!.load.maxOverMean)
  })

  it('stays on the host, and says why, when a layer needs host ids or has no device draw', async () => {
    const onRoute = await run({ ...ZIPF, steps: 1 }, { backend, onRoute: () => undefined })
    expect(onRoute.summary.execution.layersOn).toBe('calling thread')
    expect(onRoute.summary.execution.reason).toMatch(/not on the device: an onRoute callback/)
    const perCall = await run({ ...ZIPF, steps: 1, strategy: { name: 'zipf', params: { layout: 'per_call' } } })
    expect(perCall.summary.execution.reason).toMatch(/layer 0’s strategy 'zipf' \(with these parameters\) has no device draw/)
    const logits = await run({ ...ZIPF, steps: 1, layerStrategies: [{ layers: '2', name: 'softmax_topk' }] })
    expect(logits.summary.execution).toMatchObject({ layersOn: 'calling thread' })
    expect(logits.summary.execution.reason).toMatch(/layer 2’s strategy 'softmax_topk'/)
    const resolved = await run(
      { ...ZIPF, steps: 1 },
      { backend, resolveStrategy: (c, _l, seed) => ({ strategy: simulator.createStrategy(c.name, c.params, { seed }), usesLogits: false }) },
    )
    expect(resolved.summary.execution.reason).toMatch(/resolveStrategy/)
    // A reference backend has no device step: the threads, as before, with nothing said about a device.
    const threads = await run({ ...ZIPF, steps: 1 }, {})
    expect(threads.summary.execution.reason).not.toMatch(/device/)
  })
})
