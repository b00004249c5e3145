import type { LoadSummary } from '@routesim/analysis'
import type { ParameterSpecs } from '@routesim/core'
import type { FitResult } from '@routesim/io'
import type { ScenarioSummary } from '@routesim/scenarios'
import type { AppBackend } from './url-state.ts'

/** What the page needs to know about a strategy to build its form. */
export interface StrategyInfo {
  readonly name: string
  readonly description: string
  readonly parameters: ParameterSpecs
  readonly usesLogits: boolean
}

export interface PresetInfo {
  readonly name: string
  readonly numExperts: number
  readonly topK: number
  readonly moeLayers: number
}

export interface EngineInfo {
  readonly strategies: readonly StrategyInfo[]
  readonly presets: readonly PresetInfo[]
  readonly capacityPolicies: readonly string[]
  readonly replicaChoices: readonly string[]
  readonly crossOriginIsolated: boolean
  readonly sharedArrayBuffer: boolean
}

/** A routed layer as the page draws it (typed arrays are transferred, not copied). */
export interface RoutedLayer {
  readonly strategy: string
  readonly parameters: Record<string, unknown>
  readonly usesLogits: boolean
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  readonly counts: Int32Array
  readonly summary: LoadSummary
  readonly duplicateIdRate: number
  readonly tokensWithDuplicates: number
  readonly epSize: number
  readonly rankLoads: Float64Array
  readonly balancedness: number
  /** The other ways engines score the same ranks: round-robin placement, SGLang's utilization, max ÷ mean rank load. */
  readonly balancednessVariants: { readonly roundRobin: number; readonly sglang: number; readonly rankMaxOverMean: number }
  /** `[heatmapRows, experts]`, sampled tokens × experts. */
  readonly heatmap: Float32Array
  readonly heatmapRows: number
  /** FNV-1a of the int32 ids: equal digests, equal routing. */
  readonly idsDigest: string
  readonly countsDigest: string
  /** Where the routing ran ('wasm', 'webgl2', 'reference', …) and the backend's own words on it. */
  readonly ranOn: string
  readonly ranOnDetail: string
  readonly routeMs: number
}

export interface ScenarioRequest {
  readonly preset: string
  readonly strategy: string
  readonly layers: number
  readonly tokensPerStep: number
  readonly steps: number
  readonly epSize: number
  readonly nodes: number
  readonly seed: number
  readonly capacityPolicy: string
  readonly capacityFactor: number
  readonly eplb: {
    readonly enabled: boolean
    readonly windowSize: number
    readonly stepInterval: number
    readonly redundantExperts: number
    readonly replicaChoice: string
  }
}

export interface ScenarioStep {
  readonly step: number
  readonly steps: number
  readonly staticBalancedness: number
  readonly deployedBalancedness: number
  readonly droppedFraction: number
  readonly copiesLeavingRankPerToken: number
  readonly copiesLeavingNodePerToken: number
  readonly rebalanced: boolean
  /** The backend every layer routed on, and the registry's reason. */
  readonly ranOn: string
  /** `[layers, epSize]` rank loads of this step: logical experts laid out linearly (before EPLB)… */
  readonly staticRankLoads: Float64Array
  /** …and on the deployed EPLB map (replicas included) — the same as static with EPLB off and no replicas. */
  readonly deployedRankLoads: Float64Array
}

/** How far a routing has got: the phase in words and the whole job's fraction done (0–1). */
export interface RouteProgressInfo {
  readonly phase: string
  readonly value: number
}

/** `analyzeTrace` of a whole trace: each layer over all steps, and its per-rank loads before and after DeepSeek EPLB. */
export interface TraceAnalysisView {
  readonly epSize: number
  readonly perLayer: readonly {
    readonly layer: number
    readonly modelLayer: number
    readonly maxOverMean: number
    readonly gini: number
    readonly duplicateIdRate?: number
    readonly balancedness?: number
    readonly eplbBalancedness?: number
  }[]
  /** Means over layers of mean ÷ max rank load, as laid out and with EPLB's placement (`redundantExperts` replicas). */
  readonly balancedness?: { readonly static: number; readonly eplb?: number; readonly redundantExperts: number }
  /** `[layers, epSize]`. */
  readonly staticRankLoads?: Float64Array
  readonly eplbRankLoads?: Float64Array
}

export interface TraceView {
  readonly file: string
  readonly format: string
  readonly kind: 'ids' | 'counts'
  readonly steps: number
  readonly layers: number
  readonly tokens: number
  readonly topK: number
  readonly experts: number
  readonly assumptions: readonly string[]
  /** The first layer of the first step, drawn as Explore draws a routing. */
  readonly layer: RoutedLayer
  readonly fit?: FitResult
  readonly fitError?: string
  readonly analysis?: TraceAnalysisView
  readonly analysisError?: string
}

export type EngineRequest =
  | { readonly type: 'info'; readonly id: number }
  | {
      readonly type: 'route'
      readonly id: number
      readonly backend: AppBackend
      readonly request: {
        strategy: string
        params: Record<string, unknown>
        tokens: number
        experts: number
        topK: number
        seed: number | string | bigint
        epSize: number
      }
    }
  | { readonly type: 'scenario'; readonly id: number; readonly scenario: ScenarioRequest; readonly backend: AppBackend }
  | { readonly type: 'cancel'; readonly id: number; readonly target: number }
  | { readonly type: 'trace'; readonly id: number; readonly name: string; readonly bytes: ArrayBuffer; readonly epSize: number }
  | { readonly type: 'export'; readonly id: number; readonly format: 'npz' | 'safetensors' }
  | { readonly type: 'trace-layer'; readonly id: number; readonly step: number; readonly layer: number }

export type EngineReply =
  | { readonly type: 'info'; readonly id: number; readonly info: EngineInfo }
  | { readonly type: 'routed'; readonly id: number; readonly layer: RoutedLayer }
  | { readonly type: 'progress'; readonly id: number; readonly step: ScenarioStep }
  | { readonly type: 'route-progress'; readonly id: number; readonly progress: RouteProgressInfo }
  | { readonly type: 'scenario-done'; readonly id: number; readonly summary: ScenarioSummary }
  | { readonly type: 'trace'; readonly id: number; readonly trace: TraceView }
  | { readonly type: 'exported'; readonly id: number; readonly bytes: ArrayBuffer; readonly fileName: string }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly code?: string; readonly cancelled?: boolean }
