import {
  balancedness,
  balancednessReport,
  comparePlacements,
  countTokensWithDuplicateIds,
  createExpertMap,
  createRankDispatchTable,
  dispatchStats,
  duplicateReplicasOnSameGpu,
  initialPhysicalToLogical,
  loadSummary,
  mapToPhysical,
  predictedRankLoads,
  preserveIntraGpuSlots,
  rankLoads,
  rebalanceExperts,
  type ExpertMap,
  type LoadSummary,
} from '@routesim/analysis'
import {
  InvalidArgumentError,
  createPrng,
  indexArrayToInt32,
  type DeviceDraw,
  type DeviceStep,
  type IndexArray,
  type KernelBackend,
  type Prng,
  type RoutingStrategy,
  type Tensor,
} from '@routesim/core'
import {
  LAYER_STAT_FIELDS,
  createSimulator,
  fillNormalLogits,
  openSimulatorLayerSession,
  readLoadSummary,
  type LayerSessionChoice,
  type Simulator,
} from '@routesim/simulator'
import type { Scenario, StrategyChoice } from '../scenario/scenario.ts'
import { evaluateDrops } from './capacity.ts'
import { gpuContiguousRow, physicalToLogicalFromCounts } from './map-changes.ts'
import type { BalancednessAggregate, LayerStepResult, RebalanceEvent, StepResult } from './step-result.ts'
import { createSummaryAccumulator, type ScenarioExecution, type ScenarioSummary } from './summary.ts'

/** A routing strategy ready for one layer, and whether it reads logit values (then the loop draws logits). */
export interface LayerRouter {
  readonly strategy: RoutingStrategy
  readonly usesLogits: boolean
}

/**
 * Builds the strategy of one layer; `seed` is derived from the scenario seed and the layer.
 * @deprecated Pass `simulator` to `runScenario`/`iterateScenario`: strategies then come from its registry.
 */
export type StrategyResolver = (choice: StrategyChoice, layer: number, seed: number) => LayerRouter

/** One layer's routing within a step, as `onRoute` sees it (the arrays are the loop's: copy what you keep). */
export interface RoutedLayer {
  readonly step: number
  readonly layer: number
  readonly weights: Tensor<Float32Array>
  readonly ids: Tensor<IndexArray>
}

export interface RunScenarioOptions {
  /** Called with every step's result, in order; awaited. */
  readonly onStep?: (result: StepResult) => void | Promise<void>
  /** Stops the run between steps (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal
  /**
   * The simulator whose strategies the scenario names (its registry, plugins included) and whose one
   * routing path (`simulator.route`) routes every layer. Default: `createSimulator()` (the built-ins).
   */
  readonly simulator?: Simulator | undefined
  /** The kernel backend every layer routes and counts on. Default: the simulator's (the reference). */
  readonly backend?: KernelBackend | undefined
  /** Called after each layer is routed, before its metrics (e.g. to record a trace). */
  readonly onRoute?: ((routed: RoutedLayer) => void) | undefined
  /** @deprecated Pass `simulator` instead; when given, this still builds each layer's strategy. */
  readonly resolveStrategy?: StrategyResolver | undefined
  /** Adds each layer's per-rank loads (static and deployed) to its `LayerStepResult` (for per-layer × per-rank pictures). */
  readonly rankLoads?: boolean
}

/** One layer's deployed map and what dispatching on it needs. */
interface Deployment {
  readonly map: ExpertMap
  /** SGLang static table, built once per map (only for `rank_local`). */
  readonly dispatchTable?: Int32Array
}

function maxOf(loads: Float64Array): number {
  let max = 0
  for (let i = 0; i < loads.length; i++) if (loads[i]! > max) max = loads[i]!
  return max
}

function aggregate(rows: Float64Array[]): BalancednessAggregate {
  const { perLayerMean, tokenWeighted, sglang, min, p50, p90 } = balancednessReport(rows)
  let meanLoadSum = 0
  let maxLoadSum = 0
  for (const row of rows) {
    meanLoadSum += row.reduce((a, b) => a + b, 0) / row.length
    maxLoadSum += maxOf(row)
  }
  return { perLayerMean, tokenWeighted, sglang, min, p50, p90, meanLoadSum, maxLoadSum }
}

/** What the metrics of one layer-step need from its routing (from this thread's loop or from a layer session). */
interface LayerOutcome {
  readonly counts: Int32Array
  readonly load: LoadSummary
  readonly deployedLoads: Float64Array
  readonly traffic: Float64Array
  readonly copiesLeavingRank: number
  readonly copiesLeavingNode: number
  readonly tokensLeavingRank: number
  readonly tokensLeavingNode: number
  /** Tokens whose k ids repeat an expert. */
  readonly duplicateTokens: number
}

/**
 * A layer session on the threads when the run allows one: the simulator's strategies (not a resolver's), on the
 * exact synchronous kernels (the reference's bits; a GPU backend keeps its own path).
 */
function chooseLayerSession(scenario: Scenario, options: Omit<RunScenarioOptions, 'onStep'>, simulator: Simulator, backend: KernelBackend): LayerSessionChoice {
  if (options.resolveStrategy) return { session: undefined, threads: 1, reason: 'strategies come from a resolveStrategy function' }
  if (backend.name !== 'reference' && backend.name !== 'wasm') {
    return { session: undefined, threads: 1, reason: `backend '${backend.name}' is not one of the exact synchronous ones (reference, wasm)` }
  }
  const { seed, preset } = scenario
  const policy = scenario.eplb.replicaChoice
  return openSimulatorLayerSession(
    simulator,
    {
      tokens: scenario.tokensPerStep,
      hiddenSize: preset.hiddenSize,
      experts: preset.routing.numExperts,
      topK: preset.routing.topK,
      // The same instances and streams as the loop on this thread builds: the same draws, wherever they run.
      layers: scenario.layerStrategies.map((c, l) => ({
        strategy: c.name,
        params: c.params,
        seed: createPrng(seed, 'strategy', l).nextUint32(),
        layer: l,
        routing: createPrng(seed, 'routing', l).getState(),
        ...(simulator.describeStrategy(c.name).usesLogits === true ? { logits: createPrng(seed, 'logits', l).getState() } : {}),
        ...(policy === 'random' ? { replica: createPrng(seed, 'replica', l).getState() } : {}),
      })),
      logits: scenario.logits,
      replicaChoice: policy,
      epSize: scenario.parallel.epSize,
      nodes: scenario.parallel.nodes,
      keepRouting: options.onRoute !== undefined,
    },
    { threads: scenario.threads },
  )
}

/** The device step when the run can hold one, else why not (undefined: the backend has none, nothing to say). */
interface DeviceStepChoice {
  readonly step: DeviceStep | undefined
  readonly reason: string | undefined
}

/**
 * The run's step on the backend's device when it can go there: the backend holds one (webgpu), nothing needs
 * host ids (no `onRoute`, strategies from the simulator) and every layer's strategy describes its draw for the
 * device; the backend then refuses shapes it cannot hold (a typed error naming the limit, which becomes the reason).
 */
async function chooseDeviceStep(
  scenario: Scenario,
  options: Omit<RunScenarioOptions, 'onStep'>,
  simulator: Simulator,
  backend: KernelBackend,
): Promise<DeviceStepChoice> {
  if (backend.openDeviceStep === undefined) return { step: undefined, reason: undefined }
  const notOnDevice = (why: string): DeviceStepChoice => ({ step: undefined, reason: `not on the device: ${why}` })
  if (options.resolveStrategy) return notOnDevice('strategies come from a resolveStrategy function')
  if (options.onRoute) return notOnDevice('an onRoute callback needs every layer’s ids on the host')
  const { seed, preset, tokensPerStep: T } = scenario
  const { numExperts: E, topK: k } = preset.routing
  const draws: DeviceDraw[] = []
  for (let l = 0; l < scenario.numLayers; l++) {
    const choice = scenario.layerStrategies[l]!
    // The instance and stream the host loop would build for this layer, so fixed layouts come out the same.
    const strategy = simulator.createStrategy(choice.name, choice.params, { seed: createPrng(seed, 'strategy', l).nextUint32() })
    const draw = strategy.deviceDraw?.({ numTokens: T, numExperts: E, topK: k, layer: l, prng: createPrng(seed, 'routing', l) })
    if (draw === undefined) return notOnDevice(`layer ${l}’s strategy '${choice.name}' (with these parameters) has no device draw`)
    draws.push(draw)
  }
  try {
    const step = await backend.openDeviceStep({
      rows: T,
      numExperts: E,
      k,
      draws,
      numPhysical: E + scenario.eplb.redundantExperts,
      numRanks: scenario.parallel.epSize,
      numNodes: scenario.parallel.nodes,
      policy: scenario.eplb.replicaChoice,
      seed: createPrng(seed, 'device-step').nextUint32(),
    })
    return { step, reason: `${scenario.numLayers} layers drawn and measured on ${backend.mode}; per-layer statistics read back each step` }
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return notOnDevice(error.message)
    throw error
  }
}

/**
 * Streams a scenario step by step: every layer routes T tokens; the logical counts are summarised,
 * mapped onto physical slots with the replica choice policy and scored for balance, drops and
 * all-to-all traffic; with EPLB on, the counts enter a sliding window and DeepSeek's `rebalance_experts`
 * rearranges the slots every `stepInterval` steps (vLLM's schedule: the first after ¼ interval).
 * Only the current step's per-token arrays exist at any time, so memory does not grow with steps.
 * The same scenario and seed give identical results.
 */
export async function* iterateScenario(scenario: Scenario, options: Omit<RunScenarioOptions, 'onStep'>): AsyncGenerator<StepResult, ScenarioSummary> {
  const { preset, numLayers: L, tokensPerStep: T, steps } = scenario
  const { numExperts: E, topK: k, numExpertGroups } = preset.routing
  const { epSize: R, nodes: N, placement } = scenario.parallel
  const eplb = scenario.eplb
  const P = E + eplb.redundantExperts
  const seed = scenario.seed
  const policy = eplb.replicaChoice

  const simulator = options.simulator ?? createSimulator()
  const backend = options.backend ?? simulator.backend
  // Layers run on the threads (each layer's strategy and streams pinned to one thread for the whole run) when
  // the workers can build every strategy and the kernels are exact and synchronous; else all here, in order.
  // Or all on the device when the backend holds the run's step there (only statistics come back).
  const onDevice = await chooseDeviceStep(scenario, options, simulator, backend)
  const device = onDevice.step
  const choice: LayerSessionChoice = device
    ? { session: undefined, threads: 1, reason: onDevice.reason! }
    : chooseLayerSession(scenario, options, simulator, backend)
  const session = choice.session
  const execution: ScenarioExecution = {
    layersOn: device ? 'device' : session ? 'threads' : 'calling thread',
    threads: choice.threads,
    reason: device || onDevice.reason === undefined ? choice.reason : `${onDevice.reason}; ${choice.reason}`,
  }
  const routers: LayerRouter[] = []
  const routePrngs: Prng[] = []
  const logitPrngs: Prng[] = []
  const replicaPrngs: Prng[] = []
  const dispatchPrngs: Prng[] = []
  if (!session && !device) {
    const resolveStrategy: StrategyResolver =
      options.resolveStrategy ??
      ((c, _layer, strategySeed) => ({
        strategy: simulator.createStrategy(c.name, c.params, { seed: strategySeed }),
        usesLogits: simulator.describeStrategy(c.name).usesLogits === true,
      }))
    for (let l = 0; l < L; l++) {
      routers.push(resolveStrategy(scenario.layerStrategies[l]!, l, createPrng(seed, 'strategy', l).nextUint32()))
      routePrngs.push(createPrng(seed, 'routing', l))
      logitPrngs.push(createPrng(seed, 'logits', l))
      replicaPrngs.push(createPrng(seed, 'replica', l))
    }
  }
  for (let l = 0; l < L; l++) dispatchPrngs.push(createPrng(seed, 'dispatch-table', l))
  const anyLogits = routers.some((r) => r.usesLogits)
  // Without replicas the logical experts sit on the ranks directly (only when E divides over them).
  const staticValid = E % R === 0

  const deploy = (l: number, map: ExpertMap): Deployment => {
    const deployment = policy === 'rank_local' ? { map, dispatchTable: createRankDispatchTable(map, dispatchPrngs[l]!) } : { map }
    session?.setMap(l, map, deployment.dispatchTable)
    device?.setMap(l, map, deployment.dispatchTable)
    return deployment
  }
  const start = eplb.initialReplicaCounts ? physicalToLogicalFromCounts(eplb.initialReplicaCounts) : initialPhysicalToLogical(E, P)
  const startMap = createExpertMap(start, { numLogical: E, epSize: R, placement })
  const deployed: Deployment[] = Array.from({ length: L }, (_, l) => deploy(l, startMap))

  // Per-step buffers, reused.
  const hidden = { shape: [T, preset.hiddenSize] }
  const logitsData = anyLogits ? new Float32Array(T * E) : undefined
  const logitsTensor = logitsData ? { data: logitsData, shape: [T, E] } : { shape: [T, E] }
  const physicalIds = new Int32Array(T * k)
  const outcomes: LayerOutcome[] = new Array<LayerOutcome>(L)

  /** The calling thread's step: every layer in order, routed through the simulator on the run's backend. */
  async function routeHere(step: number): Promise<void> {
    for (let l = 0; l < L; l++) {
      const router = routers[l]!
      if (router.usesLogits && logitsData) {
        // mean + std · nextNormal() per value, drawn in blocks (the same bits as a nextNormal loop).
        fillNormalLogits(logitsData, scenario.logits.mean, scenario.logits.std, logitPrngs[l]!)
      }
      // The simulator's one routing path, on the run's backend; counted by the backend's histogram.
      const routed = await simulator.route({
        strategy: router.strategy,
        hiddenStates: hidden,
        routerLogits: logitsTensor,
        topK: k,
        indicesType: 'int32',
        layer: l,
        prng: routePrngs[l]!,
        backend,
      })
      options.onRoute?.({ step, layer: l, weights: routed.weights, ids: routed.ids })
      const ids = indexArrayToInt32(routed.ids.data)
      const counts = (await backend.histogram(ids, E)).slice() // also rejects ids outside [0, E); kept past later layers' calls
      const { map, dispatchTable } = deployed[l]!
      mapToPhysical(ids, k, map, policy, {
        out: physicalIds,
        ...(policy === 'random' ? { prng: replicaPrngs[l]! } : {}),
        ...(dispatchTable ? { dispatchTable } : {}),
      })
      const dispatch = dispatchStats(physicalIds, k, map, { numNodes: N })
      outcomes[l] = {
        counts,
        load: loadSummary(counts),
        deployedLoads: dispatch.rankSlotLoads,
        traffic: dispatch.traffic,
        copiesLeavingRank: dispatch.copiesLeavingRank,
        copiesLeavingNode: dispatch.copiesLeavingNode,
        tokensLeavingRank: dispatch.tokensLeavingRank,
        tokensLeavingNode: dispatch.tokensLeavingNode,
        duplicateTokens: countTokensWithDuplicateIds(ids, k),
      }
    }
  }

  /** The session's step: every layer at once on the thread that holds it; the outcomes are views of its outputs. */
  function routeOnThreads(step: number): void {
    const out = session!.step()
    const slots = T * k
    for (let l = 0; l < L; l++) {
      if (options.onRoute) {
        options.onRoute({
          step,
          layer: l,
          weights: { data: out.weights!.subarray(l * slots, (l + 1) * slots), shape: [T, k] },
          ids: { data: out.ids!.subarray(l * slots, (l + 1) * slots), shape: [T, k] },
        })
      }
      const s = l * LAYER_STAT_FIELDS
      outcomes[l] = {
        counts: out.counts.subarray(l * E, (l + 1) * E),
        load: readLoadSummary(out, l),
        deployedLoads: out.rankLoads.slice(l * R, (l + 1) * R),
        traffic: out.traffic.subarray(l * R * R, (l + 1) * R * R),
        copiesLeavingRank: out.stats[s]!,
        copiesLeavingNode: out.stats[s + 1]!,
        tokensLeavingRank: out.stats[s + 2]!,
        tokensLeavingNode: out.stats[s + 3]!,
        duplicateTokens: out.stats[s + 4]!,
      }
    }
  }

  /** The device's step: every layer drawn and measured there; only the per-layer statistics arrive here. */
  async function routeOnDevice(step: number): Promise<void> {
    const out = await device!.run(step)
    for (let l = 0; l < L; l++) {
      const counts = out.counts.subarray(l * E, (l + 1) * E)
      outcomes[l] = {
        counts,
        load: loadSummary(counts),
        deployedLoads: Float64Array.from(out.rankSlotLoads.subarray(l * R, (l + 1) * R)),
        traffic: Float64Array.from(out.traffic.subarray(l * R * R, (l + 1) * R * R)),
        copiesLeavingRank: out.copiesLeavingRank[l]!,
        copiesLeavingNode: out.copiesLeavingNode[l]!,
        tokensLeavingRank: out.tokensLeavingRank[l]!,
        tokensLeavingNode: out.tokensLeavingNode[l]!,
        duplicateTokens: out.duplicateTokens[l]!,
      }
    }
  }

  // EPLB sliding window of logical counts: a ring of [window, L, E] (never longer than the run).
  const windowSlots = eplb.enabled ? Math.min(eplb.windowSize, steps) : 0
  const window = eplb.enabled ? new Int32Array(windowSlots * L * E) : undefined
  let windowFilled = 0
  let windowNext = 0
  let rearrangeCounter = eplb.stepInterval - Math.floor(eplb.stepInterval / 4)

  const summary = createSummaryAccumulator(scenario)

  try {
    for (let step = 0; step < steps; step++) {
      options.signal?.throwIfAborted()
      if (device) await routeOnDevice(step)
      else if (session) routeOnThreads(step)
      else await routeHere(step)
      const layers: LayerStepResult[] = []
      const staticRows: Float64Array[] = []
      const deployedRows: Float64Array[] = []
      for (let l = 0; l < L; l++) {
        const o = outcomes[l]!
        const { counts, deployedLoads } = o
        summary.addTraffic(o.traffic)
        const staticLoads = staticValid ? rankLoads(counts, R, placement) : deployedLoads
        deployedRows.push(deployedLoads)
        staticRows.push(staticLoads)
        if (window) window.set(counts, (windowNext * L + l) * E)

        const dMax = maxOf(deployedLoads)
        layers.push({
          layer: l,
          modelLayer: preset.moeLayerIndices[l]!,
          strategy: scenario.layerStrategies[l]!.name,
          load: o.load,
          duplicateIdRate: o.duplicateTokens / T,
          balancedness: { static: balancedness(staticLoads), deployed: balancedness(deployedLoads) },
          rankMaxOverMean: dMax === 0 ? 1 : dMax / ((T * k) / R),
          drops: evaluateDrops(scenario.capacity, counts, T, k),
          traffic: {
            copiesLeavingRank: o.copiesLeavingRank,
            copiesLeavingNode: o.copiesLeavingNode,
            tokensLeavingRank: o.tokensLeavingRank,
            tokensLeavingNode: o.tokensLeavingNode,
          },
          ...(options.rankLoads ? { rankLoads: { static: staticLoads.slice(), deployed: deployedLoads.slice() } } : {}),
        })
      }

      let rebalance: RebalanceEvent | undefined
      if (window) {
        windowNext = (windowNext + 1) % windowSlots
        windowFilled = Math.min(windowFilled + 1, windowSlots)
        rearrangeCounter++
        if (rearrangeCounter >= eplb.stepInterval) {
          rearrangeCounter = 0
          rebalance = rearrange(step)
        }
      }

      const result: StepResult = {
        step,
        tokens: T,
        layers,
        balancedness: { static: aggregate(staticRows), deployed: aggregate(deployedRows) },
        ...(rebalance ? { rebalance } : {}),
      }
      summary.add(result)
      yield result
    }
  } finally {
    // Every thread drops the run's layer state, also when the run stops early (an error, an abort, return()).
    session?.close()
    device?.dispose()
  }
  return summary.finish(
    deployed.reduce((sum, d) => sum + duplicateReplicasOnSameGpu(gpuContiguousRow(d.map), R), 0),
    execution,
  )

  function rearrange(step: number): RebalanceEvent {
    const load = new Float64Array(L * E)
    for (let s = 0; s < windowFilled; s++) {
      const base = s * L * E
      for (let i = 0; i < L * E; i++) load[i]! += window![base + i]!
    }
    const plan = rebalanceExperts({ data: load, shape: [L, E] }, { numReplicas: P, numGroups: numExpertGroups, numNodes: N, numGpus: R, policy: eplb.policy })
    let before = 0
    let after = 0
    let slotsChanged = 0
    let expertTransfers = 0
    let expertsMoved = 0
    let duplicateReplicas = 0
    let replicasPlaced = 0
    let expertsWithoutReplica = 0
    for (let l = 0; l < L; l++) {
      const layerLoad = load.subarray(l * E, (l + 1) * E)
      const old = deployed[l]!.map
      const planned = plan.physicalToLogical.data.subarray(l * P, (l + 1) * P)
      // EPLB output is laid out GPU by GPU (linear). vLLM may keep experts that stay on a GPU in their old
      // slot; then replicas are ordered by slot, else by the plan's replica rank.
      const row = eplb.preserveIntraGpuSlots ? preserveIntraGpuSlots(planned, gpuContiguousRow(old), R) : planned
      const next = createExpertMap(row, {
        numLogical: E,
        epSize: R,
        placement: 'linear',
        ...(eplb.preserveIntraGpuSlots ? {} : { replicaRank: plan.replicaRank.data.subarray(l * P, (l + 1) * P) }),
      })
      before += balancedness(predictedRankLoads(layerLoad, old))
      after += balancedness(predictedRankLoads(layerLoad, next))
      const change = comparePlacements(gpuContiguousRow(old), row, R)
      slotsChanged += change.slotsChanged
      expertTransfers += change.expertTransfers
      expertsMoved += change.expertsMoved
      duplicateReplicas += duplicateReplicasOnSameGpu(row, R)
      for (let e = 0; e < E; e++) {
        replicasPlaced += next.replicaCount[e]!
        if (next.replicaCount[e] === 0) expertsWithoutReplica++
      }
      deployed[l] = deploy(l, next)
    }
    return {
      afterStep: step,
      windowSteps: windowFilled,
      policy: plan.policy,
      balancednessBefore: before / L,
      balancednessAfter: after / L,
      slotsChanged,
      expertTransfers,
      expertsMoved,
      replicasPlaced,
      expertsWithoutReplica,
      duplicateReplicas,
    }
  }
}

/** Runs a scenario to the end, handing each step to `onStep`; resolves with the run's summary. */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioSummary> {
  const it = iterateScenario(scenario, options)
  for (;;) {
    const next = await it.next()
    if (next.done) return next.value
    if (options.onStep) await options.onStep(next.value)
  }
}
