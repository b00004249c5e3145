import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, ShapeMismatchError } from '@routesim/core'
import { aggregateBalancedness, balancednessReport, createBalancednessTracker, layerBalancedness, sglangUtilization } from './balancedness-aggregation.ts'

const matrixArb = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 8 }))
  .chain(([layers, ranks]) => fc.array(fc.array(fc.nat({ max: 10_000 }), { minLength: ranks, maxLength: ranks }), { minLength: layers, maxLength: layers }))

describe('balancedness aggregations', () => {
  it('gives 0.75 per layer for [[100,200],[100,200]] while the legacy axis bug reports 1.0 (PR #36304)', () => {
    const loads = [
      [100, 200],
      [100, 200],
    ]
    expect([...layerBalancedness(loads)]).toEqual([0.75, 0.75])
    expect(aggregateBalancedness(loads, 'per_layer_mean')).toBe(0.75)
    expect(aggregateBalancedness(loads, 'token_weighted')).toBe(0.75)
    expect(aggregateBalancedness(loads, 'legacy_vllm_axis_bug')).toBe(1)
    expect(aggregateBalancedness(loads, 'sglang')).toBeCloseTo((150 + 1e-5) / (200 + 1e-5), 15)
  })

  it('separates token-weighted from per-layer mean when layers carry different load', () => {
    // Layer 0: 10 tokens, perfectly unbalanced over 2 ranks (0.5); layer 1: 1000 tokens, balanced (1).
    const loads = [
      [10, 0],
      [500, 500],
    ]
    expect(aggregateBalancedness(loads, 'per_layer_mean')).toBe(0.75)
    expect(aggregateBalancedness(loads, 'token_weighted')).toBeCloseTo((5 + 500) / (10 + 500), 15)
  })

  it('reports vLLM Prometheus min / p50 / p90 (= 10th percentile)', () => {
    // Build layers with known balancedness: rank loads [1, 2b − 1] → mean/max = b when b ≤ 1.
    const rows = [0.55, 0.6, 0.7, 0.8, 0.9, 1.0].map((b) => [1, 2 * b - 1].sort((x, y) => y - x))
    const report = balancednessReport(rows)
    expect([...report.perLayer].map((v) => +v.toFixed(12))).toEqual([0.55, 0.6, 0.7, 0.8, 0.9, 1])
    expect(report.min).toBeCloseTo(0.55, 12)
    expect(report.p50).toBeCloseTo(0.75, 12)
    expect(report.p90).toBeCloseTo(0.575, 12) // 10th percentile of 6 values: 0.55 + 0.5·(0.6 − 0.55)
  })

  it('rejects ragged or negative matrices and unknown aggregations', () => {
    expect(() => layerBalancedness([[1, 2], [3]])).toThrow(ShapeMismatchError)
    expect(() => aggregateBalancedness([[1, -1]], 'per_layer_mean')).toThrow(/rankLoadsPerLayer\[0\]\[1\]/)
    expect(() => aggregateBalancedness([[1, 1]], 'median' as 'sglang')).toThrow(InvalidArgumentError)
    expect(() => layerBalancedness([])).toThrow(InvalidArgumentError)
  })

  it('accepts a [layers, ranks] tensor', () => {
    expect([...layerBalancedness({ data: new Int32Array([100, 200, 100, 200]), shape: [2, 2] })]).toEqual([0.75, 0.75])
  })

  test.prop([matrixArb])('every aggregation lies in (0, 1]', (loads) => {
    for (const a of ['per_layer_mean', 'token_weighted', 'sglang', 'legacy_vllm_axis_bug'] as const) {
      const b = aggregateBalancedness(loads, a)
      expect(b).toBeGreaterThan(0)
      expect(b).toBeLessThanOrEqual(1 + 1e-12)
    }
  })

  test.prop([matrixArb])('token-weighted lies between the worst and best layer', (loads) => {
    const per = [...layerBalancedness(loads)]
    const tw = aggregateBalancedness(loads, 'token_weighted')
    expect(tw).toBeGreaterThanOrEqual(Math.min(...per) - 1e-12)
    expect(tw).toBeLessThanOrEqual(Math.max(...per) + 1e-12)
  })

  test.prop([fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 16 })], {
    // The all-idle case is rare in random arrays; pin it so every run covers it.
    examples: [[[0]], [[0, 0, 0]]],
  })('sglang utilization differs from mean/max by less than ε / max', (loads) => {
    const max = Math.max(...loads)
    if (max === 0) {
      // An all-idle layer: (0 + ε) / (0 + ε) is exactly 1.
      expect(sglangUtilization(loads)).toBe(1)
      return
    }
    const exact = loads.reduce((a, b) => a + b, 0) / loads.length / max
    expect(Math.abs(sglangUtilization(loads) - exact)).toBeLessThanOrEqual(1e-5 / max + 1e-15)
  })
})

describe('createBalancednessTracker', () => {
  it('keeps rolling 10/100/1000-pass means like SGLang', () => {
    const tracker = createBalancednessTracker()
    for (let i = 1; i <= 1005; i++) tracker.record(i % 2 === 0 ? 1 : 0.5)
    const s = tracker.snapshot()
    expect(s.passes).toBe(1005)
    expect(s.current).toBe(0.5)
    expect(s.windows.map((w) => w.count)).toEqual([10, 100, 1000])
    expect(s.windows[0]!.average).toBeCloseTo(0.75, 12)
    expect(s.windows[2]!.average).toBeCloseTo(0.75, 12)
  })

  it('averages over what it has while a window fills', () => {
    const tracker = createBalancednessTracker({ windows: [3] })
    expect(Number.isNaN(tracker.snapshot().current)).toBe(true)
    expect(tracker.shouldRebalance(0.9)).toBe(true)
    tracker.record([[100, 200]])
    const s = tracker.record([[300, 300]])
    expect(s.windows[0]).toEqual({ window: 3, average: ((150 + 1e-5) / (200 + 1e-5) + 1) / 2, count: 2 })
    tracker.record(0.5)
    tracker.record(0.5)
    expect(tracker.snapshot().windows[0]!.average).toBeCloseTo(2 / 3, 12)
  })

  it('gates rebalancing on the largest window and resets', () => {
    const tracker = createBalancednessTracker({ windows: [2, 4] })
    for (const b of [0.9, 0.9, 1, 1]) tracker.record(b)
    expect(tracker.snapshot().windows[1]!.average).toBeCloseTo(0.95, 12)
    expect(tracker.snapshot().windows[0]!.average).toBe(1) // the small window alone would say "balanced"
    expect(tracker.shouldRebalance(0.94)).toBe(false)
    expect(tracker.shouldRebalance(0.951)).toBe(true)
    expect(tracker.shouldRebalance()).toBe(true)
    tracker.reset()
    expect(tracker.snapshot().passes).toBe(0)
  })

  it('rejects bad windows, epsilon and pass values', () => {
    expect(() => createBalancednessTracker({ windows: [] })).toThrow(InvalidArgumentError)
    expect(() => createBalancednessTracker({ windows: [10, 0] })).toThrow(/windows\[1\]/)
    expect(() => createBalancednessTracker({ epsilon: -1 })).toThrow(/epsilon/)
    const tracker = createBalancednessTracker()
    expect(() => tracker.record(0)).toThrow(InvalidArgumentError)
    expect(() => tracker.record(1.5)).toThrow(InvalidArgumentError)
    expect(() => tracker.shouldRebalance(Number.NaN)).toThrow(/threshold/)
  })
})
