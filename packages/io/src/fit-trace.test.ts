import { expertCounts } from '@routesim/analysis'
import { createSimulator } from '@routesim/simulator'
import { describe, expect, it } from 'vitest'
import { fitTrace } from './fit-trace.ts'
import { idsTrace } from './trace.ts'

const E = 256
const K = 8

/** A multi-layer ids trace routed by one of our own strategies. */
function generate(name: string, params: Record<string, unknown>, seed: number, layers = 8, T = 4096) {
  const strategy = createSimulator({ seed }).createStrategy(name, params)
  const ids = new Int32Array(layers * T * K)
  for (let l = 0; l < layers; l++) {
    const [, t] = strategy.routeTokens({ shape: [T, 1] }, { shape: [T, E] }, K, 'int32', { layer: l })
    ids.set(t.data as Int32Array, l * T * K)
  }
  return idsTrace({ ids, layers, tokens: T, topK: K, numExperts: E })
}

describe('fitTrace recovers the parameters of traces our strategies generate (±5%)', () => {
  it.each([
    ['zipf', 'exponent', 0.8],
    ['zipf', 'exponent', 1.2],
    ['lognormal', 'sigma', 0.6],
    ['lognormal', 'sigma', 1],
    ['target_balancedness', 'target', 0.7],
  ] as const)('%s %s = %s, over 3 seeds', (family, parameter, truth) => {
    for (const seed of [11, 12, 13]) {
      const trace = generate(family, { [parameter]: truth }, seed)
      const fit = fitTrace(trace, { family })
      expect(Math.abs(fit.value / truth - 1), `seed ${seed}: fitted ${fit.value}`).toBeLessThan(0.05)
      expect(fit.strategy).toMatchObject({ name: family, params: { [parameter]: expect.any(Number) } })
    }
  })
})

describe("fitTrace reproduces a trace's skew per layer (±2%; random families such as lognormal match Gini, their max varies by draw)", () => {
  it.each([
    ['zipf', { exponent: 1 }],
    ['zipf', { exponent: 0.7 }],
    ['target_gini', { target: 0.4 }],
    ['target_balancedness', { target: 0.75 }],
  ] as const)('%s: max/mean, Gini and balancedness of every layer', (family, params) => {
    // 16k tokens: the hottest expert's count has ~1% sampling noise (a ±2% check needs that).
    const trace = generate(family, params, 5, 4, 16384)
    const fit = fitTrace(trace, { family })
    expect(fit.perLayer).toHaveLength(4)
    for (const layer of fit.perLayer) {
      expect(Math.abs(layer.error.gini), `layer ${layer.layer} gini`).toBeLessThan(0.02)
      expect(Math.abs(layer.error.maxOverMean), `layer ${layer.layer} max/mean`).toBeLessThan(0.02)
      expect(Math.abs(layer.error.balancedness), `layer ${layer.layer} balancedness`).toBeLessThan(0.02)
    }
  })

  it('writes a scenario file for a preset with the same experts and top-k (DeepSeek-V3: 256, top-8)', () => {
    const fit = fitTrace(generate('zipf', { exponent: 1 }, 3, 2), { family: 'zipf' })
    expect(fit.scenario).toMatchObject({ preset: 'deepseek-v3', layers: 2, tokensPerStep: 4096, strategy: { name: 'zipf' } })
    expect((fit.scenario!['layerStrategies'] as unknown[]).length).toBe(2)
  })

  it('fits counts-only traces, assuming top-8 and saying so', () => {
    const trace = generate('zipf', { exponent: 1 }, 4, 2)
    const counts = new Float64Array(2 * E)
    const n = trace.tokens * K
    for (let l = 0; l < 2; l++) counts.set(expertCounts(trace.ids.subarray(l * n, (l + 1) * n), E), l * E)
    const fit = fitTrace({ kind: 'counts', steps: 1, layers: 2, numExperts: E, counts, assumptions: [] }, { family: 'zipf' })
    expect(Math.abs(fit.value - 1)).toBeLessThan(0.05)
    expect(fit.assumptions.join()).toContain('top-k = 8')
  })
})
