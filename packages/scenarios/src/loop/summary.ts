import { createBalancednessTracker } from '@routesim/analysis'
import type { Scenario } from '../scenario/scenario.ts'
import type { StepResult } from './step-result.ts'

export interface LayerSummary {
  readonly layer: number
  readonly modelLayer: number
  readonly strategy: string
  /** Means over steps. */
  readonly maxOverMean: number
  readonly gini: number
  readonly cv: number
  readonly staticBalancedness: number
  readonly deployedBalancedness: number
}

export interface BalancednessSummary {
  /** Mean over steps of the per-layer-mean balancedness. */
  readonly perLayerMean: number
  /** Σ mean rank load / Σ max rank load over every layer and step (vLLM's original, token-weighted). */
  readonly tokenWeighted: number
  /** Mean over steps of SGLang's (mean + 1e-5)/(max + 1e-5) layer average. */
  readonly sglang: number
  /** Worst layer-step. */
  readonly min: number
}

/** Where a run routed its layers (the one part of a summary that depends on the machine, never the results). */
export interface ScenarioExecution {
  /**
   * 'device': every layer drawn and measured on the backend's device, per-layer statistics read back;
   * 'threads': each layer's state pinned to one thread, every layer of a step at once; 'calling thread': layer by layer, in order.
   */
  readonly layersOn: 'device' | 'threads' | 'calling thread'
  /** Threads the layers ran on (1 on the calling thread and on the device). */
  readonly threads: number
  /** Why (e.g. `58 layers pinned to 16 threads`, `one thread`, a plugin strategy the workers cannot build). */
  readonly reason: string
}

/** Everything a finished run reports; its size depends on layers, ranks and capacity settings, never on steps. */
export interface ScenarioSummary {
  readonly name: string
  readonly preset: string
  readonly steps: number
  readonly tokensPerStep: number
  readonly layers: number
  /** steps × tokens per step × layers. */
  readonly tokenLayers: number
  readonly epSize: number
  readonly nodes: number
  readonly balancedness: { readonly static: BalancednessSummary; readonly deployed: BalancednessSummary }
  /** SGLang rolling means (`createBalancednessTracker`) of the deployed balancedness over the last 10/100/1000 steps. */
  readonly rollingDeployedBalancedness: { readonly last10: number; readonly last100: number; readonly last1000: number }
  readonly load: {
    readonly maxOverMean: number
    readonly worstMaxOverMean: number
    readonly gini: number
    readonly cv: number
    readonly duplicateIdRate: number
  }
  readonly drops: readonly { readonly label: string; readonly dropped: number; readonly droppedFraction: number }[]
  readonly traffic: {
    /** Token copies per routed token-layer sent off the home rank / off the home node. */
    readonly copiesLeavingRankPerToken: number
    readonly copiesLeavingNodePerToken: number
    /** Fraction of token-layers with an expert off the home rank / node. */
    readonly tokensLeavingRank: number
    readonly tokensLeavingNode: number
    /** `[epSize, epSize]` row-major token copies home rank → destination rank, summed over layers and steps. */
    readonly matrix: readonly number[]
  }
  readonly eplb: {
    readonly enabled: boolean
    readonly rebalances: number
    readonly expertTransfers: number
    readonly expertsMoved: number
    readonly slotsChanged: number
    /** Mean over rearrangements of the window balancedness on the old and on the new map. */
    readonly meanBalancednessBefore: number
    readonly meanBalancednessAfter: number
    /** Extra same-GPU copies of an expert in the final maps, over all layers. */
    readonly duplicateReplicas: number
  }
  readonly perLayer: readonly LayerSummary[]
  /** Where the layers ran (threads never change any other field). */
  readonly execution: ScenarioExecution
}

export interface SummaryAccumulator {
  add(step: StepResult): void
  addTraffic(matrix: Float64Array): void
  finish(duplicateReplicas: number, execution: ScenarioExecution): ScenarioSummary
}

/** Running sums of a scenario's step results (bounded state: O(layers + ranks² + capacity settings + 1000)). */
export function createSummaryAccumulator(scenario: Scenario): SummaryAccumulator {
  const L = scenario.numLayers
  const R = scenario.parallel.epSize
  const k = scenario.preset.routing.topK
  const layer = {
    maxOverMean: new Float64Array(L),
    gini: new Float64Array(L),
    cv: new Float64Array(L),
    stat: new Float64Array(L),
    deployed: new Float64Array(L),
  }
  const dropped = new Float64Array(scenario.capacity.length)
  const bal = {
    static: { ratio: 0, sglang: 0, mean: 0, max: 0, min: Infinity },
    deployed: { ratio: 0, sglang: 0, mean: 0, max: 0, min: Infinity },
  }
  const tracker = createBalancednessTracker()
  const matrix = new Float64Array(R * R)
  let steps = 0
  let worstMaxOverMean = 0
  let dupRate = 0
  let copiesRank = 0
  let copiesNode = 0
  let leavingRank = 0
  let leavingNode = 0
  let rebalances = 0
  let moved = 0
  let transfers = 0
  let changed = 0
  let before = 0
  let after = 0

  return {
    addTraffic(m) {
      for (let i = 0; i < matrix.length; i++) matrix[i]! += m[i]!
    },
    add(step) {
      for (const r of step.layers) {
        layer.maxOverMean[r.layer]! += r.load.maxOverMean
        layer.gini[r.layer]! += r.load.gini
        layer.cv[r.layer]! += r.load.cv
        layer.stat[r.layer]! += r.balancedness.static
        layer.deployed[r.layer]! += r.balancedness.deployed
        if (r.load.maxOverMean > worstMaxOverMean) worstMaxOverMean = r.load.maxOverMean
        dupRate += r.duplicateIdRate
        copiesRank += r.traffic.copiesLeavingRank
        copiesNode += r.traffic.copiesLeavingNode
        leavingRank += r.traffic.tokensLeavingRank
        leavingNode += r.traffic.tokensLeavingNode
        r.drops.forEach((d, i) => (dropped[i]! += d.dropped))
      }
      for (const key of ['static', 'deployed'] as const) {
        const agg = step.balancedness[key]
        bal[key].ratio += agg.perLayerMean
        bal[key].sglang += agg.sglang
        bal[key].mean += agg.meanLoadSum
        bal[key].max += agg.maxLoadSum
        if (agg.min < bal[key].min) bal[key].min = agg.min
      }
      tracker.record(step.balancedness.deployed.sglang)
      if (step.rebalance) {
        rebalances++
        moved += step.rebalance.expertsMoved
        transfers += step.rebalance.expertTransfers
        changed += step.rebalance.slotsChanged
        before += step.rebalance.balancednessBefore
        after += step.rebalance.balancednessAfter
      }
      steps++
    },
    finish(duplicateReplicas, execution) {
      const n = Math.max(steps, 1)
      const layerSteps = n * L
      const tokens = layerSteps * scenario.tokensPerStep
      const slots = tokens * k
      const sumOf = (a: Float64Array) => a.reduce((s, v) => s + v, 0)
      const summarise = (key: 'static' | 'deployed'): BalancednessSummary => ({
        perLayerMean: bal[key].ratio / n,
        tokenWeighted: bal[key].max === 0 ? 1 : bal[key].mean / bal[key].max,
        sglang: bal[key].sglang / n,
        min: bal[key].min === Infinity ? 1 : bal[key].min,
      })
      const windows = tracker.snapshot().windows
      const rolling = (w: number) => windows.find((x) => x.window === w)?.average ?? Number.NaN
      return {
        name: scenario.name,
        preset: scenario.preset.name,
        steps,
        tokensPerStep: scenario.tokensPerStep,
        layers: L,
        tokenLayers: steps * scenario.tokensPerStep * L,
        epSize: R,
        nodes: scenario.parallel.nodes,
        balancedness: { static: summarise('static'), deployed: summarise('deployed') },
        rollingDeployedBalancedness: { last10: rolling(10), last100: rolling(100), last1000: rolling(1000) },
        load: {
          maxOverMean: sumOf(layer.maxOverMean) / layerSteps,
          worstMaxOverMean,
          gini: sumOf(layer.gini) / layerSteps,
          cv: sumOf(layer.cv) / layerSteps,
          duplicateIdRate: dupRate / layerSteps,
        },
        drops: scenario.capacity.map((c, i) => ({ label: c.label, dropped: dropped[i]!, droppedFraction: dropped[i]! / slots })),
        traffic: {
          copiesLeavingRankPerToken: copiesRank / tokens,
          copiesLeavingNodePerToken: copiesNode / tokens,
          tokensLeavingRank: leavingRank / tokens,
          tokensLeavingNode: leavingNode / tokens,
          matrix: Array.from(matrix),
        },
        eplb: {
          enabled: scenario.eplb.enabled,
          rebalances,
          expertTransfers: transfers,
          expertsMoved: moved,
          slotsChanged: changed,
          meanBalancednessBefore: rebalances ? before / rebalances : 1,
          meanBalancednessAfter: rebalances ? after / rebalances : 1,
          duplicateReplicas,
        },
        perLayer: Array.from({ length: L }, (_, l) => ({
          layer: l,
          modelLayer: scenario.preset.moeLayerIndices[l]!,
          strategy: scenario.layerStrategies[l]!.name,
          maxOverMean: layer.maxOverMean[l]! / n,
          gini: layer.gini[l]! / n,
          cv: layer.cv[l]! / n,
          staticBalancedness: layer.stat[l]! / n,
          deployedBalancedness: layer.deployed[l]! / n,
        })),
        execution,
      }
    },
  }
}
