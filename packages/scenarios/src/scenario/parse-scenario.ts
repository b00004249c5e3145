import { LIMITS, checkAllocation, checkJsonDepth, createPrng, describeValue, resolveParameters, type Seed } from '@routesim/core'
import { findPreset, listPresetNames } from '../presets/find-preset.ts'
import type { ModelPreset } from '../presets/model-preset.ts'
import { MODEL_PRESETS } from '../presets/model-presets.ts'
import { presetRouter } from '../presets/preset-router.ts'
import { CAPACITY_POLICIES, CAPACITY_POLICY_SPECS } from './capacity-settings.ts'
import { IssueCollector } from './issue-collector.ts'
import { strategyCatalogOf } from './simulator-catalog.ts'
import { createSimulator, type Simulator } from '@routesim/simulator'
import { EPLB_POLICIES, type EplbPolicy } from '@routesim/analysis'
import {
  REPLICA_CHOICES,
  type CapacitySetting,
  type EplbSettings,
  type LogitSettings,
  type ParallelSettings,
  type ReplicaChoice,
  type Scenario,
  type ScenarioPlacement,
  type StrategyCatalog,
  type StrategyChoice,
} from './scenario.ts'

export interface ParseScenarioOptions {
  /** The simulator whose strategies a scenario may name (its registry, plugins included). Default: `createSimulator()`. */
  readonly simulator?: Simulator
  /** @deprecated Pass `simulator`. Strategies a scenario may name, when given instead of a simulator. */
  readonly catalog?: StrategyCatalog
  readonly presets?: readonly ModelPreset[]
  /** Names the input in error messages (a file name, `command-line flags`). */
  readonly source?: string
}

/** Upper bound on tokens per step (`LIMITS.maxTokens`): keeps T·k and T·E buffers well inside typed-array limits. */
export const MAX_TOKENS_PER_STEP = LIMITS.maxTokens

const TOP_KEYS = ['name', 'seed', 'preset', 'layers', 'tokensPerStep', 'steps', 'strategy', 'layerStrategies', 'logits', 'parallel', 'capacity', 'eplb']

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkKeys(issues: IssueCollector, path: string, obj: Json, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) issues.add(path ? `${path}.${key}` : key, `unknown field; known fields: [${known.join(', ')}]`)
  }
}

function readInt(issues: IssueCollector, path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.invalid(path, value, `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}]`)
    return undefined
  }
  return value
}

function readEnum<T extends string>(issues: IssueCollector, path: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    issues.invalid(path, value, `one of [${allowed.join(', ')}]`)
    return undefined
  }
  return value as T
}

function readNumber(issues: IssueCollector, path: string, value: unknown, check: (v: number) => boolean, allowed: string): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    issues.invalid(path, value, allowed)
    return undefined
  }
  return value
}

/** `"3-7"`, `"5"`, `5` or `[1, 2, 9]` → sorted layer indices; `undefined` after recording an issue. */
function readLayerSelection(issues: IssueCollector, path: string, value: unknown, numLayers: number): number[] | undefined {
  const bad = () => issues.invalid(path, value, `a layer index, a range "a-b" or a list of indices, each in [0, ${numLayers - 1}]`)
  let out: number[] = []
  if (typeof value === 'number') out = [value]
  else if (Array.isArray(value)) {
    if (value.length > numLayers) return bad(), undefined
    out = value as number[]
  } else if (typeof value === 'string') {
    if (value.length > 64) return bad(), undefined
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value)
    if (!m) return bad(), undefined
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    // The range is checked before it is materialised: "0-99999999999" must not build a list of 10^11 layers.
    if (b < a || b >= numLayers) return bad(), undefined
    for (let i = a; i <= b; i++) out.push(i)
  } else return bad(), undefined
  if (out.length === 0 || !out.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < numLayers)) {
    return bad(), undefined
  }
  return out
}

/** The strategy name that stands for the preset's own router (see `presetRouter`). */
export const NATIVE_STRATEGY = 'native'

function readStrategy(
  issues: IssueCollector,
  path: string,
  value: unknown,
  catalog: StrategyCatalog,
  preset: ModelPreset | undefined,
  extraKeys: readonly string[] = [],
): StrategyChoice | undefined {
  let name: unknown
  let params: unknown = {}
  if (typeof value === 'string') name = value
  else if (isObject(value)) {
    checkKeys(issues, path, value, ['name', 'params', ...extraKeys])
    name = value['name']
    if (value['params'] !== undefined) params = value['params']
  } else {
    issues.invalid(path, value, 'a strategy name or { "name": …, "params": { … } }')
    return undefined
  }
  if (name === NATIVE_STRATEGY && !catalog.names.includes(NATIVE_STRATEGY)) {
    if (isObject(params) && Object.keys(params).length > 0) {
      issues.add(`${path}.params`, `'${NATIVE_STRATEGY}' takes its parameters from the preset; name the router (e.g. grouped_topk) to set them`)
      return undefined
    }
    if (!preset) return undefined // the preset's own issue is already reported
    const native = presetRouter(preset)
    if (catalog.names.includes(native.name)) {
      const definition = catalog.definition(native.name)
      const resolved = definition ? issues.capture(path, () => resolveParameters(native.name, definition.parameters, native.params)) : native.params
      return resolved ? { name: native.name, params: resolved } : undefined
    }
    issues.add(path, `the preset's router '${native.name}' is not among the available strategies: [${catalog.names.join(', ')}]`)
    return undefined
  }
  if (typeof name !== 'string' || !catalog.names.includes(name)) {
    issues.add(
      `${path}${typeof value === 'string' ? '' : '.name'}`,
      `unknown strategy ${describeValue(name)}; available strategies: [${catalog.names.join(', ')}], or '${NATIVE_STRATEGY}' for the preset's own router`,
    )
    return undefined
  }
  if (!isObject(params)) {
    issues.invalid(`${path}.params`, params, 'an object of strategy parameters')
    return undefined
  }
  const definition = catalog.definition(name)
  if (!definition) return { name, params: { ...params } }
  const resolved = issues.capture(`${path}.params`, () => resolveParameters(name, definition.parameters, params))
  return resolved ? { name, params: resolved } : undefined
}

/**
 * Builds the strategy and routes one token with the preset's shape, so problems that only show with the
 * model's sizes (top-k above the experts, a bias of the wrong length, incompatible parameters) are reported
 * now, with the others, instead of failing mid-run.
 */
function probeStrategy(
  issues: IssueCollector,
  path: string,
  choice: StrategyChoice,
  catalog: StrategyCatalog,
  preset: ModelPreset,
  tokensPerStep: number | undefined,
): void {
  const definition = catalog.definition(choice.name)
  if (!definition) return
  const E = preset.routing.numExperts
  // The run's own token count: a target (balancedness, Gini, max/mean) reachable with T tokens is not with 1.
  // Logit strategies read [T, E] logits, so their probe is capped (zero logits route alike at any T).
  const T = Math.max(1, definition.usesLogits ? Math.min(tokensPerStep ?? 1, Math.floor((1 << 20) / E)) : (tokensPerStep ?? 1))
  issues.capture(path, () => {
    const strategy = definition.create(choice.params, { seed: 0 })
    const logits = definition.usesLogits ? { data: new Float32Array(T * E), shape: [T, E] } : { shape: [T, E] }
    strategy.routeTokens({ shape: [T, preset.hiddenSize] }, logits, preset.routing.topK, 'int32', { prng: createPrng(0, 'probe'), layer: 0 })
  })
}

function probeKey(choice: StrategyChoice): string | undefined {
  try {
    return JSON.stringify([choice.name, choice.params])
  } catch {
    return undefined // e.g. a bigint parameter: probe it every time
  }
}

function readSeed(issues: IssueCollector, value: unknown): Seed {
  if (value === undefined) return 0
  if (typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value))) return value
  issues.invalid('seed', value, 'a safe integer or a string')
  return 0
}

function readParallel(issues: IssueCollector, value: unknown): Partial<ParallelSettings> {
  if (value === undefined) return { epSize: 1, nodes: 1, placement: 'linear' }
  if (!isObject(value)) {
    issues.invalid('parallel', value, 'an object { epSize, nodes, placement }')
    return {}
  }
  checkKeys(issues, 'parallel', value, ['epSize', 'nodes', 'placement'])
  const out: { epSize?: number; nodes?: number; placement?: ScenarioPlacement } = {}
  const ep = readInt(issues, 'parallel.epSize', value['epSize'] ?? 1, 1, LIMITS.maxEpSize)
  const nodes = readInt(issues, 'parallel.nodes', value['nodes'] ?? 1, 1, LIMITS.maxEpSize)
  const placement = readEnum<ScenarioPlacement>(issues, 'parallel.placement', value['placement'] ?? 'linear', ['linear', 'round_robin'])
  if (ep !== undefined) out.epSize = ep
  if (nodes !== undefined) out.nodes = nodes
  if (placement !== undefined) out.placement = placement
  if (ep !== undefined && nodes !== undefined && ep % nodes !== 0) {
    issues.add('parallel.nodes', `${nodes} nodes do not divide epSize ${ep}; every node must hold the same number of GPUs`)
  }
  return out
}

function readEplb(issues: IssueCollector, value: unknown, numExperts: number | undefined): Partial<EplbSettings> {
  const defaults = { windowSize: 1000, stepInterval: 3000, redundantExperts: 0, policy: 'auto' as EplbPolicy, replicaChoice: 'modulo' as ReplicaChoice, preserveIntraGpuSlots: false }
  if (value === undefined) return { enabled: false, ...defaults }
  if (!isObject(value)) {
    issues.invalid('eplb', value, 'an object { enabled, windowSize, stepInterval, redundantExperts, policy, replicaChoice, preserveIntraGpuSlots, initialReplicaCounts }')
    return {}
  }
  checkKeys(issues, 'eplb', value, ['enabled', 'windowSize', 'stepInterval', 'redundantExperts', 'policy', 'replicaChoice', 'preserveIntraGpuSlots', 'initialReplicaCounts'])
  const out: { -readonly [K in keyof EplbSettings]?: EplbSettings[K] } = {}
  const enabled = value['enabled'] ?? true
  if (typeof enabled !== 'boolean') issues.invalid('eplb.enabled', enabled, 'true or false')
  else out.enabled = enabled
  const window = readInt(issues, 'eplb.windowSize', value['windowSize'] ?? defaults.windowSize, 1, LIMITS.maxEplbWindow)
  const interval = readInt(issues, 'eplb.stepInterval', value['stepInterval'] ?? defaults.stepInterval, 1)
  const redundant = readInt(issues, 'eplb.redundantExperts', value['redundantExperts'] ?? defaults.redundantExperts, 0, LIMITS.maxReplicas)
  const policy = readEnum(issues, 'eplb.policy', value['policy'] ?? defaults.policy, EPLB_POLICIES)
  const choice = readEnum(issues, 'eplb.replicaChoice', value['replicaChoice'] ?? defaults.replicaChoice, REPLICA_CHOICES)
  if (window !== undefined) out.windowSize = window
  if (interval !== undefined) out.stepInterval = interval
  if (redundant !== undefined) out.redundantExperts = redundant
  if (policy !== undefined) out.policy = policy
  if (choice !== undefined) out.replicaChoice = choice
  const preserve = value['preserveIntraGpuSlots'] ?? defaults.preserveIntraGpuSlots
  if (typeof preserve !== 'boolean') issues.invalid('eplb.preserveIntraGpuSlots', preserve, 'true or false')
  else out.preserveIntraGpuSlots = preserve
  const counts = value['initialReplicaCounts']
  if (counts !== undefined) {
    if (!Array.isArray(counts)) issues.invalid('eplb.initialReplicaCounts', counts, 'a list with one replica count per logical expert')
    else {
      let ok = true
      if (numExperts !== undefined && counts.length !== numExperts) {
        issues.add('eplb.initialReplicaCounts', `has ${counts.length} entries; the preset has ${numExperts} logical experts`)
        ok = false
      }
      counts.forEach((c, i) => {
        if (c === 0) {
          issues.add(`eplb.initialReplicaCounts[${i}]`, `expert ${i} has zero replicas; every logical expert needs at least one physical slot`)
          ok = false
        } else if (readInt(issues, `eplb.initialReplicaCounts[${i}]`, c, 1, 1023) === undefined) ok = false
      })
      const sum = counts.reduce((a: number, c) => a + (typeof c === 'number' ? c : 0), 0)
      if (ok && numExperts !== undefined && redundant !== undefined && sum !== numExperts + redundant) {
        issues.add('eplb.initialReplicaCounts', `sums to ${sum}; it must equal experts + redundantExperts = ${numExperts + redundant}`)
        ok = false
      }
      if (ok) out.initialReplicaCounts = [...(counts as number[])]
    }
  }
  return out
}

function readCapacity(issues: IssueCollector, value: unknown): CapacitySetting[] {
  if (value === undefined) return []
  const list = Array.isArray(value) ? value : [value]
  const out: CapacitySetting[] = []
  const labels = new Set<string>()
  list.forEach((entry, i) => {
    const path = Array.isArray(value) ? `capacity[${i}]` : 'capacity'
    if (!isObject(entry)) {
      issues.invalid(path, entry, `an object { policy, label?, …parameters } with policy one of [${CAPACITY_POLICIES.join(', ')}]`)
      return
    }
    const policy = readEnum(issues, `${path}.policy`, entry['policy'], CAPACITY_POLICIES)
    if (policy === undefined) return
    const { policy: _p, label: rawLabel, ...params } = entry
    const specs = CAPACITY_POLICY_SPECS[policy]!
    let bad = false
    for (const [key, v] of Object.entries(params)) {
      if (!Object.hasOwn(specs, key)) {
        issues.add(`${path}.${key}`, `unknown parameter for capacity policy '${policy}'; known: [label, ${Object.keys(specs).join(', ')}]`)
        bad = true
      } else if (typeof v === 'number' && v < 0) {
        issues.add(`${path}.${key}`, `${v} is negative; ${specs[key]!.description} needs a value > 0`)
        bad = true
      }
    }
    if (bad) return
    const resolved = issues.capture(path, () => resolveParameters(`capacity.${policy}`, specs, params))
    if (!resolved) return
    const factor = resolved['capacityFactor'] ?? resolved['gamma']
    const label = typeof rawLabel === 'string' && rawLabel ? rawLabel : `${policy}${factor === undefined ? '' : `@${factor}`}${policy === 'tutel' ? `/${String(resolved['mode'])}` : ''}`
    if (labels.has(label)) {
      issues.add(`${path}.label`, `duplicate label ${describeValue(label)}; give each capacity setting a distinct label`)
      return
    }
    labels.add(label)
    out.push({ label, policy, params: resolved })
  })
  return out
}

function readLogits(issues: IssueCollector, value: unknown): LogitSettings {
  if (value === undefined) return { mean: 0, std: 1 }
  if (!isObject(value)) {
    issues.invalid('logits', value, 'an object { mean, std }')
    return { mean: 0, std: 1 }
  }
  checkKeys(issues, 'logits', value, ['mean', 'std'])
  const mean = readNumber(issues, 'logits.mean', value['mean'] ?? 0, () => true, 'a finite number')
  const std = readNumber(issues, 'logits.std', value['std'] ?? 1, (v) => v >= 0, 'a finite number ≥ 0')
  return { mean: mean ?? 0, std: std ?? 1 }
}

/**
 * Validates a scenario (a parsed JSON object or JSON text) and fills in defaults. Every problem is
 * collected and thrown together as one `ConfigValidationError` whose `issues` name the offending paths.
 */
export function parseScenario(input: unknown, options: ParseScenarioOptions = {}): Scenario {
  const source = options.source ?? 'scenario'
  const catalog = options.catalog ?? strategyCatalogOf(options.simulator ?? createSimulator())
  const issues = new IssueCollector()
  let raw: unknown = input
  if (typeof input === 'string') {
    if (input.length > LIMITS.maxFileBytes) {
      issues.add('$', `${input.length} characters exceed the limit on scenario size (at most ${LIMITS.maxFileBytes})`)
      issues.throwIfAny(source)
    }
    try {
      raw = JSON.parse(input)
    } catch (error) {
      issues.add('$', `malformed JSON: ${(error as Error).message.slice(0, 300)}`)
      issues.throwIfAny(source)
    }
  }
  issues.capture('$', () => checkJsonDepth('scenario', raw))
  issues.throwIfAny(source)
  if (!isObject(raw)) {
    issues.invalid('$', raw, 'a JSON object describing the scenario')
    issues.throwIfAny(source)
  }
  const obj = raw as Json
  checkKeys(issues, '', obj, TOP_KEYS)

  const presets = options.presets ?? MODEL_PRESETS
  let preset: ModelPreset | undefined
  if (typeof obj['preset'] !== 'string') issues.invalid('preset', obj['preset'], `a preset name, one of [${listPresetNames(presets).join(', ')}]`)
  else {
    preset = findPreset(obj['preset'], presets)
    if (!preset) issues.add('preset', `unknown preset ${describeValue(obj['preset'])}; available presets: [${listPresetNames(presets).join(', ')}]`)
  }
  const name = obj['name'] === undefined ? (preset?.name ?? 'scenario') : obj['name']
  if (typeof name !== 'string') issues.invalid('name', name, 'a string')
  const seed = readSeed(issues, obj['seed'])
  const tokensPerStep = readInt(issues, 'tokensPerStep', obj['tokensPerStep'], 1, MAX_TOKENS_PER_STEP)
  const steps = readInt(issues, 'steps', obj['steps'], 1)

  const maxLayers = preset?.moeLayerIndices.length ?? LIMITS.maxLayers
  const numLayers = obj['layers'] === undefined ? preset?.moeLayerIndices.length : readInt(issues, 'layers', obj['layers'], 1, maxLayers)

  const base = obj['strategy'] === undefined ? undefined : readStrategy(issues, 'strategy', obj['strategy'], catalog, preset)
  const probes: [string, StrategyChoice][] = base ? [['strategy', base]] : []
  const perLayer: (StrategyChoice | undefined)[] = numLayers === undefined ? [] : new Array<StrategyChoice | undefined>(numLayers).fill(base)
  const overrides = obj['layerStrategies']
  if (overrides !== undefined) {
    const maxEntries = numLayers ?? LIMITS.maxLayers
    if (!Array.isArray(overrides)) issues.invalid('layerStrategies', overrides, 'a list of { layers, name, params }')
    // Each entry is validated and probed: more entries than layers would only repeat that work.
    else if (overrides.length > maxEntries) issues.add('layerStrategies', `${overrides.length} entries exceed the ${maxEntries} layers (at most one entry per layer)`)
    else
      overrides.forEach((entry, i) => {
        const path = `layerStrategies[${i}]`
        if (!isObject(entry)) return issues.invalid(path, entry, '{ "layers": "a-b", "name": …, "params": { … } }')
        const strategy = readStrategy(issues, path, entry, catalog, preset, ['layers'])
        const layers = numLayers === undefined ? undefined : readLayerSelection(issues, `${path}.layers`, entry['layers'], numLayers)
        if (strategy) probes.push([path, strategy])
        if (strategy && layers) for (const l of layers) perLayer[l] = strategy
      })
  }

  if (obj['strategy'] === undefined && numLayers !== undefined) {
    const uncovered = perLayer.flatMap((s, l) => (s ? [] : [l]))
    if (uncovered.length > 0) {
      issues.add('strategy', `missing, and layerStrategies leave layers [${uncovered.length > 8 ? `${uncovered.slice(0, 8).join(', ')}, …` : uncovered.join(', ')}] without one; name a default strategy (e.g. "uniform_random")`)
    }
  }

  // Total work and the EPLB window's memory are checked before anything is routed or allocated.
  let tooBig = false
  if (tokensPerStep !== undefined && steps !== undefined && numLayers !== undefined) {
    const work = steps * tokensPerStep * numLayers
    if (work > LIMITS.maxScenarioWork) {
      tooBig = true
      issues.add('steps', `${steps} steps × ${tokensPerStep} tokens × ${numLayers} layers = ${work.toExponential(2)} routed tokens exceed the limit on steps × tokens × layers (at most ${LIMITS.maxScenarioWork.toExponential(2)}); use fewer steps`)
    }
  }
  if (preset && !tooBig) {
    // The same strategy and parameters on several layers is probed once.
    const probed = new Set<string>()
    for (const [path, choice] of probes) {
      const key = probeKey(choice)
      if (key !== undefined && probed.has(key)) continue
      if (key !== undefined) probed.add(key)
      probeStrategy(issues, path, choice, catalog, preset, tokensPerStep)
    }
  }

  const parallel = readParallel(issues, obj['parallel'])
  const eplb = readEplb(issues, obj['eplb'], preset?.routing.numExperts)
  const capacity = readCapacity(issues, obj['capacity'])
  const logits = readLogits(issues, obj['logits'])
  if (preset && numLayers !== undefined && eplb.enabled && eplb.windowSize !== undefined && steps !== undefined) {
    const E = preset.routing.numExperts
    issues.capture('eplb.windowSize', () => checkAllocation('eplb.windowSize × layers × experts', [[Math.min(eplb.windowSize!, steps) * numLayers * E, 4]]))
  }

  if (preset && parallel.epSize !== undefined && eplb.redundantExperts !== undefined) {
    const slots = preset.routing.numExperts + eplb.redundantExperts
    if (slots % parallel.epSize !== 0) {
      issues.add(
        'parallel.epSize',
        `${parallel.epSize} does not divide the ${slots} physical expert slots (${preset.routing.numExperts} experts + ${eplb.redundantExperts} redundant); every rank must hold the same number of slots`,
      )
    }
    const groups = preset.routing.numExpertGroups
    if (eplb.policy === 'hierarchical' && parallel.nodes !== undefined && groups % parallel.nodes !== 0) {
      issues.add(
        'eplb.policy',
        `'hierarchical' needs the ${groups} expert groups of ${preset.name} to divide evenly over ${parallel.nodes} nodes; use 'global' or 'auto', or a node count that divides ${groups}`,
      )
    }
  }

  issues.throwIfAny(source)
  return {
    name: name as string,
    seed,
    preset: preset!,
    numLayers: numLayers!,
    tokensPerStep: tokensPerStep!,
    steps: steps!,
    layerStrategies: perLayer as StrategyChoice[],
    logits,
    parallel: parallel as ParallelSettings,
    capacity,
    eplb: eplb as EplbSettings,
  }
}
