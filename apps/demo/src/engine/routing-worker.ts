/// <reference lib="webworker" />
import { RoutesimError } from '@routesim/core'
import { rankLoads } from '@routesim/analysis'
import { analyzeTrace, fitTrace, idsTrace, readTrace, traceCounts, writeTrace } from '@routesim/io'
import { CAPACITY_POLICIES, MODEL_PRESETS, REPLICA_CHOICES, parseScenario, runScenario } from '@routesim/scenarios'
import type { StepResult } from '@routesim/scenarios'
import { balancedness, countTokensWithDuplicateIds, loadSummary, sglangUtilization } from '@routesim/analysis'
import { createSimulator } from '@routesim/simulator'
import { openBackend } from './backends.ts'
import type { AppBackend } from './url-state.ts'
import type { EngineInfo, EngineReply, EngineRequest, RoutedLayer, ScenarioRequest, ScenarioStep, TraceAnalysisView, TraceView } from './protocol.ts'
import { int32Digest, routeLayer, tokenExpertHeatmap, type RoutePhase } from './route-layer.ts'
import { scenarioFile } from './scenario-file.ts'

declare const self: DedicatedWorkerGlobalScope

/** Balancedness as the engines score it: round-robin placement, SGLang's utilization, max ÷ mean rank load. */
function variants(counts: Int32Array, epSize: number, loads: Float64Array): RoutedLayer['balancednessVariants'] {
  const mean = loads.reduce((a, b) => a + b, 0) / loads.length
  const max = Math.max(...loads)
  return { roundRobin: balancedness(rankLoads(counts, epSize, 'round_robin')), sglang: sglangUtilization(loads), rankMaxOverMean: mean > 0 ? max / mean : 1 }
}

/** The last routing, kept for export. */
let lastRouting: { ids: Int32Array; weights: Float32Array; tokens: number; topK: number; experts: number; name: string } | undefined
const running = new Map<number, AbortController>()

function post(reply: EngineReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, transfer)
}

function info(): EngineInfo {
  const simulator = createSimulator()
  return {
    strategies: simulator.getAvailableStrategies().map((name) => {
      const d = simulator.describeStrategy(name)
      return { name: d.name, description: d.description, parameters: d.parameters, usesLogits: d.usesLogits === true }
    }),
    presets: MODEL_PRESETS.map((p) => ({ name: p.name, numExperts: p.routing.numExperts, topK: p.routing.topK, moeLayers: p.moeLayerIndices.length })),
    capacityPolicies: CAPACITY_POLICIES,
    replicaChoices: REPLICA_CHOICES,
    crossOriginIsolated: self.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  }
}

/** Per-expert counts of a trace's ids; ids outside [0, experts) are not counted (a trace file may hold any). */
function countIds(ids: Int32Array, experts: number): Int32Array {
  const counts = new Int32Array(experts)
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i]!
    if (e >= 0 && e < experts) counts[e]!++
  }
  return counts
}

function layerView(
  base: { strategy: string; parameters: Record<string, unknown>; usesLogits: boolean; ranOn: string; ranOnDetail: string; routeMs: number },
  ids: Int32Array,
  weights: Float32Array,
  tokens: number,
  topK: number,
  experts: number,
  epSize: number,
  dup: { rate: number; tokens: number },
  counts: Int32Array = countIds(ids, experts),
): RoutedLayer {
  const loads = rankLoads(counts, epSize, 'linear')
  const heat = tokenExpertHeatmap(ids, weights, tokens, topK, experts)
  return {
    ...base,
    tokens,
    experts,
    topK,
    counts,
    summary: loadSummary(counts),
    duplicateIdRate: dup.rate,
    tokensWithDuplicates: dup.tokens,
    epSize,
    rankLoads: loads,
    balancedness: balancedness(loads),
    balancednessVariants: variants(counts, epSize, loads),
    heatmap: heat.data,
    heatmapRows: heat.rows,
    idsDigest: int32Digest(ids),
    countsDigest: int32Digest(counts),
  }
}

async function route(request: Extract<EngineRequest, { type: 'route' }>): Promise<void> {
  const r = request.request
  if (r.experts % r.epSize !== 0) throw new RangeError(`ep-size ${r.epSize} must divide experts ${r.experts}`)
  // Progress as the page's bar shows it: phases weighted by their usual share of the time, posted at most every 50 ms.
  let lastPost = 0
  const progress = (phase: string, value: number, force = false) => {
    const now = performance.now()
    if (!force && now - lastPost < 50) return
    lastPost = now
    post({ type: 'route-progress', id: request.id, progress: { phase, value } })
  }
  progress(request.backend === 'reference' ? 'starting' : `opening the ${request.backend} backend`, 0, true)
  const opened = await openBackend(request.backend)
  const started = performance.now()
  const usesLogits = createSimulator().describeStrategy(r.strategy).usesLogits === true
  const spans: Record<RoutePhase, [number, number, string]> = usesLogits
    ? { logits: [0, 0.6, 'drawing router logits'], routing: [0.6, 0.9, `routing ${r.tokens.toLocaleString('en')} tokens`], metrics: [0.9, 1, 'counting loads'] }
    : { logits: [0, 0, ''], routing: [0, 0.85, `routing ${r.tokens.toLocaleString('en')} tokens`], metrics: [0.85, 1, 'counting loads'] }
  const out = await routeLayer({ ...r, epSize: r.epSize }, opened.backend, (phase, fraction) => {
    const [a, b, label] = spans[phase]
    progress(label, a + (b - a) * fraction, fraction === 0)
  })
  const routeMs = performance.now() - started
  lastRouting = {
    ids: out.ids,
    weights: out.weights,
    tokens: r.tokens,
    topK: r.topK,
    experts: r.experts,
    name: `routesim-${out.strategy}-seed${String(r.seed)}`,
  }
  const ranOnDetail = out.lastRun
    ? `${opened.detail}; last ${out.lastRun.operation} ran on ${out.lastRun.ranOn}${out.lastRun.reason ? ` (${out.lastRun.reason})` : ''}`
    : out.ranOn === 'reference' && request.backend !== 'reference'
      ? `${out.strategy} has no kernel-backend path: the reference ran it`
      : opened.detail
  const layer = layerView(
    { strategy: out.strategy, parameters: out.parameters, usesLogits: out.usesLogits, ranOn: out.ranOn, ranOnDetail, routeMs },
    out.ids,
    out.weights,
    r.tokens,
    r.topK,
    r.experts,
    r.epSize,
    { rate: out.duplicateIdRate, tokens: out.tokensWithDuplicates },
    out.counts,
  )
  post({ type: 'routed', id: request.id, layer }, [layer.counts.buffer, layer.heatmap.buffer, layer.rankLoads.buffer])
}

async function scenario(id: number, request: ScenarioRequest, backendName: AppBackend): Promise<void> {
  const controller = new AbortController()
  running.set(id, controller)
  try {
    const simulator = createSimulator()
    const parsed = parseScenario(scenarioFile(request), { simulator, source: 'the Scenario form' })
    // Every layer routes and counts on the chosen backend through the simulator (as `routesim simulate --backend`).
    const opened = await openBackend(backendName)
    const ranOn = `${opened.backend.mode}: ${opened.detail}`
    const R = parsed.parallel.epSize
    const L = parsed.numLayers
    let lastPost = 0
    const summary = await runScenario(parsed, {
      signal: controller.signal,
      simulator,
      backend: opened.backend,
      rankLoads: true,
      onStep: async (s: StepResult) => {
        let dropped = 0
        let leavingRank = 0
        let leavingNode = 0
        const staticLoads = new Float64Array(L * R)
        const deployedLoads = new Float64Array(L * R)
        for (const layer of s.layers) {
          staticLoads.set(layer.rankLoads!.static, layer.layer * R)
          deployedLoads.set(layer.rankLoads!.deployed, layer.layer * R)
          dropped += layer.drops[0]?.droppedFraction ?? 0
          leavingRank += layer.traffic.copiesLeavingRank
          leavingNode += layer.traffic.copiesLeavingNode
        }
        const step: ScenarioStep = {
          step: s.step,
          steps: parsed.steps,
          staticBalancedness: s.balancedness.static.perLayerMean,
          deployedBalancedness: s.balancedness.deployed.perLayerMean,
          droppedFraction: dropped / s.layers.length,
          copiesLeavingRankPerToken: leavingRank / (s.tokens * s.layers.length),
          copiesLeavingNodePerToken: leavingNode / (s.tokens * s.layers.length),
          rebalanced: s.rebalance !== undefined,
          ranOn,
          staticRankLoads: staticLoads,
          deployedRankLoads: deployedLoads,
        }
        post({ type: 'progress', id, step }, [staticLoads.buffer, deployedLoads.buffer])
        // Yield to the event loop now and then so a Cancel message is seen between steps.
        if (performance.now() - lastPost > 30) {
          lastPost = performance.now()
          await new Promise((r) => setTimeout(r, 0))
        }
      },
    })
    post({ type: 'scenario-done', id, summary })
  } finally {
    running.delete(id)
  }
}

/** The last dropped trace, kept so another step or layer can be shown without reading the file again. */
let lastTrace: { t: ReturnType<typeof readTrace>; name: string; ep: number } | undefined

/** One (step, layer) of a trace, drawn as Explore draws a routing; an ids layer also becomes the export. */
function traceLayer(step: number, layerIndex: number): RoutedLayer {
  if (!lastTrace) throw new RangeError('no trace yet: drop a file first')
  const { t, name, ep } = lastTrace
  if (!Number.isInteger(step) || step < 0 || step >= t.steps) throw new RangeError(`step ${step} is outside the trace's ${t.steps} step(s)`)
  if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= t.layers)
    throw new RangeError(`layer ${layerIndex} is outside the trace's ${t.layers} layer(s)`)
  const experts = t.numExperts
  const at = step * t.layers + layerIndex
  const base = { strategy: `trace ${name}`, parameters: {}, usesLogits: false, ranOn: 'trace file', ranOnDetail: `read as ${t.format}`, routeMs: 0 }
  if (t.kind === 'ids') {
    const n = t.tokens * t.topK
    const ids = t.ids.subarray(at * n, (at + 1) * n)
    const weights = t.weights ? t.weights.subarray(at * n, (at + 1) * n) : new Float32Array(n).fill(1)
    const dupTokens = countTokensWithDuplicateIds(ids, t.topK)
    const suffix = t.steps > 1 || t.layers > 1 ? `-step${step}-layer${layerIndex}` : ''
    lastRouting = {
      ids: Int32Array.from(ids),
      weights: Float32Array.from(weights),
      tokens: t.tokens,
      topK: t.topK,
      experts,
      name: `${name.replace(/\.[^.]*$/, '')}${suffix}`,
    }
    return layerView(base, ids, weights, t.tokens, t.topK, experts, ep, { rate: t.tokens === 0 ? 0 : dupTokens / t.tokens, tokens: dupTokens })
  }
  const all = traceCounts(t)
  const counts = Int32Array.from(all.subarray(at * experts, (at + 1) * experts), Math.round)
  const loads = rankLoads(counts, ep, 'linear')
  return {
    ...base,
    tokens: 0,
    experts,
    topK: 0,
    counts,
    summary: loadSummary(counts),
    duplicateIdRate: 0,
    tokensWithDuplicates: 0,
    epSize: ep,
    rankLoads: loads,
    balancedness: balancedness(loads),
    balancednessVariants: variants(counts, ep, loads),
    heatmap: new Float32Array(0),
    heatmapRows: 0,
    idsDigest: '',
    countsDigest: int32Digest(counts),
  }
}

/** Every layer over all steps (`analyzeTrace`): per-layer metrics, and per-rank loads before and after DeepSeek EPLB. */
function traceAnalysis(t: ReturnType<typeof readTrace>, ep: number): TraceAnalysisView {
  const a = analyzeTrace(t, ep > 1 ? { epSize: ep } : {})
  const R = ep
  const L = a.perLayer.length
  const staticLoads = new Float64Array(L * R)
  const eplbLoads = new Float64Array(L * R)
  for (const l of a.perLayer) {
    if (l.ranks) staticLoads.set(l.ranks.loads, l.layer * R)
    if (l.eplb) eplbLoads.set(l.eplb.rankLoads, l.layer * R)
  }
  return {
    epSize: R,
    perLayer: a.perLayer.map((l) => ({
      layer: l.layer,
      modelLayer: a.layerIds?.[l.layer] ?? l.layer,
      maxOverMean: l.summary.maxOverMean,
      gini: l.summary.gini,
      ...(l.duplicateIdRate !== undefined ? { duplicateIdRate: l.duplicateIdRate } : {}),
      ...(l.ranks ? { balancedness: l.ranks.balancedness } : {}),
      ...(l.eplb ? { eplbBalancedness: l.eplb.balancedness } : {}),
    })),
    ...(a.balancedness
      ? {
          balancedness: {
            static: a.balancedness.static,
            ...(a.balancedness.eplb !== undefined ? { eplb: a.balancedness.eplb } : {}),
            redundantExperts: a.balancedness.redundantExperts,
          },
        }
      : {}),
    ...(a.balancedness ? { staticRankLoads: staticLoads, eplbRankLoads: eplbLoads } : {}),
  }
}

async function trace(id: number, name: string, bytes: ArrayBuffer, epSize: number): Promise<void> {
  const t = readTrace(new Uint8Array(bytes), name)
  const experts = t.numExperts
  const ep = experts % epSize === 0 ? epSize : 1
  lastTrace = { t, name, ep }
  const layer = traceLayer(0, 0)
  let fit: TraceView['fit']
  let fitError: string | undefined
  try {
    fit = fitTrace(t, { epSize: ep })
  } catch (error) {
    fitError = error instanceof Error ? error.message : String(error)
  }
  let analysis: TraceAnalysisView | undefined
  let analysisError: string | undefined
  try {
    analysis = traceAnalysis(t, ep)
  } catch (error) {
    analysisError = error instanceof Error ? error.message : String(error)
  }
  const view: TraceView = {
    file: name,
    format: t.format,
    kind: t.kind,
    steps: t.steps,
    layers: t.layers,
    tokens: t.kind === 'ids' ? t.tokens : 0,
    topK: t.kind === 'ids' ? t.topK : 0,
    experts,
    assumptions: t.assumptions,
    layer,
    ...(fit ? { fit } : {}),
    ...(fitError ? { fitError } : {}),
    ...(analysis ? { analysis } : {}),
    ...(analysisError ? { analysisError } : {}),
  }
  post({ type: 'trace', id, trace: view })
}

function exportRouting(id: number, format: 'npz' | 'safetensors'): void {
  if (!lastRouting) throw new RangeError('nothing routed yet: route a layer or drop a trace first')
  const r = lastRouting
  const t = idsTrace({ ids: r.ids, weights: r.weights, tokens: r.tokens, topK: r.topK, numExperts: r.experts })
  const bytes = writeTrace(t, format)
  const copy = bytes.slice().buffer
  post({ type: 'exported', id, bytes: copy, fileName: `${r.name}.${format}` }, [copy])
}

self.onmessage = async (event: MessageEvent<EngineRequest>) => {
  const message = event.data
  try {
    switch (message.type) {
      case 'info':
        post({ type: 'info', id: message.id, info: info() })
        return
      case 'route':
        return await route(message)
      case 'scenario':
        return await scenario(message.id, message.scenario, message.backend)
      case 'cancel':
        running.get(message.target)?.abort(new DOMException('cancelled', 'AbortError'))
        return
      case 'trace':
        return await trace(message.id, message.name, message.bytes, message.epSize)
      case 'trace-layer': {
        const layer = traceLayer(message.step, message.layer)
        post({ type: 'routed', id: message.id, layer }, [layer.counts.buffer, layer.heatmap.buffer, layer.rankLoads.buffer])
        return
      }
      case 'export':
        return exportRouting(message.id, message.format)
    }
  } catch (error) {
    const cancelled = error instanceof DOMException && error.name === 'AbortError'
    const code = RoutesimError.isInstance(error) ? (error as { code: string }).code : undefined
    post({
      type: 'error',
      id: message.id,
      message: error instanceof Error ? error.message : String(error),
      ...(code ? { code } : {}),
      ...(cancelled ? { cancelled } : {}),
    })
  }
}
