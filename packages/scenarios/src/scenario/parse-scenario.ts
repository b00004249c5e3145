import { LIMITS, checkAllocation, checkJsonDepth, createPrng, describeValue, resolveParameters, type Seed } from '@routesim/core'
import { findPreset, listPresetNames } from '../presets/find-preset.ts'
import type { ModelPreset } from '../presets/model-preset.ts'
import { MODEL_PRESETS } from '../presets/model-presets.ts'
import { presetRouter } from '../presets/preset-router.ts'
import { CAPACITY_POLICIES, CAPACITY_POLICY_SPECS } from './capacity-settings.ts'
import { IssueCollector } from './issue-collector.ts'
import { ScenarioFileSchema } from './scenario-schema.ts'
import { allowedBySchema, schemaMismatches } from './schema-issues.ts'
import { strategyCatalogOf } from './simulator-catalog.ts'
import { createSimulator, type Simulator } from '@routesim/simulator'
import type { EplbPolicy } from '@routesim/analysis'
import {
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

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const integerIn = (min: number, max = Number.MAX_SAFE_INTEGER) => `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}]`

/**
 * What a path of the file allows, in the error's words, where the schema's own words (ranges, enums:
 * `allowedBySchema`) would not do; `[*]` stands for any index. Paths in CHECKED_LATER are checked with
 * what the model makes of them (the preset, its layer count, strategy names and parameters, capacity
 * parameters), after the schema, by the code below.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  $: 'a JSON object describing the scenario',
  seed: 'a safe integer or a string',
  strategy: 'a strategy name or { "name": …, "params": { … } }',
  'strategy.params': 'an object of strategy parameters',
  layerStrategies: 'a list of { layers, name, params }',
  'layerStrategies[*]': '{ "layers": "a-b", "name": …, "params": { … } }',
  'layerStrategies[*].params': 'an object of strategy parameters',
  logits: 'an object { mean, std }',
  parallel: 'an object { epSize, nodes, placement }',
  eplb: 'an object { enabled, windowSize, stepInterval, redundantExperts, policy, replicaChoice, preserveIntraGpuSlots, initialReplicaCounts }',
  'eplb.initialReplicaCounts': 'a list with one replica count per logical expert',
}

/** Paths checked by the code after the schema (they depend on the preset, the strategies or the capacity policy). */
const CHECKED_LATER = ['preset', 'layers', 'strategy.name', 'layerStrategies[*].name', 'layerStrategies[*].layers', 'capacity']

function pattern(path: string): string {
  return path.replace(/\[\d+\]/g, '[*]')
}

function checkedLater(path: string): boolean {
  const p = pattern(path)
  return CHECKED_LATER.some((later) => p === later || p.startsWith(`${later}.`) || p.startsWith(`${later}[`))
}

/**
 * Lists longer than any scenario can use are not walked by the schema (a 16 MB file of `{}` entries
 * would make millions of mismatches): layerStrategies is then refused by its layer count below, the
 * others here. Returns the file as the schema should see it.
 */
function withoutHugeLists(issues: IssueCollector, failed: Set<string>, file: Json): Json {
  const out = { ...file }
  if (Array.isArray(file['layerStrategies']) && file['layerStrategies'].length > LIMITS.maxLayers) delete out['layerStrategies']
  const capacity = file['capacity']
  if (Array.isArray(capacity) && capacity.length > MAX_CAPACITY_SETTINGS) {
    issues.add('capacity', `${capacity.length} entries exceed the limit on capacity settings (at most ${MAX_CAPACITY_SETTINGS})`)
    failed.add('capacity')
    delete out['capacity']
  }
  const eplb = file['eplb']
  const counts = isObject(eplb) ? eplb['initialReplicaCounts'] : undefined
  if (isObject(eplb) && Array.isArray(counts) && counts.length > LIMITS.maxExperts) {
    issues.add('eplb.initialReplicaCounts', `${counts.length} entries exceed the limit on experts (at most ${LIMITS.maxExperts})`)
    failed.add('eplb.initialReplicaCounts')
    const { initialReplicaCounts: _counts, ...rest } = eplb
    out['eplb'] = rest
  }
  return out
}

/** Most capacity settings one scenario evaluates. */
const MAX_CAPACITY_SETTINGS = 1024

/**
 * Checks the file against `ScenarioFileSchema` once and records each mismatch as an issue at its path.
 * Returns the paths that failed, so later checks skip values that are already reported.
 */
function checkSchema(issues: IssueCollector, file: Json): Set<string> {
  const failed = new Set<string>()
  for (const mismatch of schemaMismatches(ScenarioFileSchema, withoutHugeLists(issues, failed, file))) {
    if (checkedLater(mismatch.path)) continue
    failed.add(mismatch.path)
    if (mismatch.knownKeys) {
      const known = mismatch.knownKeys.filter((k) => k !== '$schema')
      issues.add(mismatch.path, `unknown field; known fields: [${known.join(', ')}]`)
    } else if (pattern(mismatch.path) === 'eplb.initialReplicaCounts[*]' && mismatch.value === 0) {
      const i = /\[(\d+)\]$/.exec(mismatch.path)![1]
      issues.add(mismatch.path, `expert ${i} has zero replicas; every logical expert needs at least one physical slot`)
    } else {
      const allowed = ALLOWED[pattern(mismatch.path)] ?? allowedBySchema(mismatch.schema) ?? 'a value scenario.schema.json allows'
      issues.invalid(mismatch.path, mismatch.value, allowed)
    }
  }
  return failed
}

/** A value the schema accepted (neither it nor a parent failed), or `undefined`. */
function accepted<T>(failed: ReadonlySet<string>, path: string, value: unknown): T | undefined {
  for (const bad of failed) if (path === bad || path.startsWith(`${bad}.`) || path.startsWith(`${bad}[`)) return undefined
  return value as T
}

/** `"3-7"`, `"5"`, `5` or `[1, 2, 9]` → sorted layer indices; `undefined` after recording an issue. */
function readLayerSelection(issues: IssueCollector, path: string, value: unknown, numLayers: number): number[] | undefined {
  const bad = () => issues.invalid(path, value, `a layer index, a range "a-b" or a list of indices, each in [0, ${numLayers - 1}]`)
  let out: number[] = []
  if (typeof value === 'number') out = [value]
  else if (Array.isArray(value)) {
    if (value.length > numLayers) return (bad(), undefined)
    out = value as number[]
  } else if (typeof value === 'string') {
    if (value.length > 64) return (bad(), undefined)
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value)
    if (!m) return (bad(), undefined)
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    // The range is checked before it is materialised: "0-99999999999" must not build a list of 10^11 layers.
    if (b < a || b >= numLayers) return (bad(), undefined)
    for (let i = a; i <= b; i++) out.push(i)
  } else return (bad(), undefined)
  if (out.length === 0 || !out.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < numLayers)) {
    return (bad(), undefined)
  }
  return out
}

/** The strategy name that stands for the preset's own router (see `presetRouter`). */
export const NATIVE_STRATEGY = 'native'

function readStrategy(
  issues: IssueCollector,
  failed: ReadonlySet<string>,
  path: string,
  value: unknown,
  catalog: StrategyCatalog,
  preset: ModelPreset | undefined,
): StrategyChoice | undefined {
  // The schema has reported a value that is neither a name nor an object, and params that are not an object.
  if (failed.has(path) && !isObject(value)) return undefined
  const name: unknown = isObject(value) ? value['name'] : value
  const params: unknown = (isObject(value) ? value['params'] : undefined) ?? {}
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
  if (!isObject(params) || failed.has(`${path}.params`)) return undefined
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

function readParallel(issues: IssueCollector, failed: ReadonlySet<string>, value: unknown): Partial<ParallelSettings> {
  if (value === undefined) return { epSize: 1, nodes: 1, placement: 'linear' }
  if (!isObject(value) || failed.has('parallel')) return {}
  const out: { epSize?: number; nodes?: number; placement?: ScenarioPlacement } = {}
  const ep = accepted<number>(failed, 'parallel.epSize', value['epSize'] ?? 1)
  const nodes = accepted<number>(failed, 'parallel.nodes', value['nodes'] ?? 1)
  const placement = accepted<ScenarioPlacement>(failed, 'parallel.placement', value['placement'] ?? 'linear')
  if (ep !== undefined) out.epSize = ep
  if (nodes !== undefined) out.nodes = nodes
  if (placement !== undefined) out.placement = placement
  if (ep !== undefined && nodes !== undefined && ep % nodes !== 0) {
    issues.add('parallel.nodes', `${nodes} nodes do not divide epSize ${ep}; every node must hold the same number of GPUs`)
  }
  return out
}

function readEplb(issues: IssueCollector, failed: ReadonlySet<string>, value: unknown, numExperts: number | undefined): Partial<EplbSettings> {
  const defaults = {
    windowSize: 1000,
    stepInterval: 3000,
    redundantExperts: 0,
    policy: 'auto' as EplbPolicy,
    replicaChoice: 'modulo' as ReplicaChoice,
    preserveIntraGpuSlots: false,
  }
  if (value === undefined) return { enabled: false, ...defaults }
  if (!isObject(value) || failed.has('eplb')) return {}
  const out: { -readonly [K in keyof EplbSettings]?: EplbSettings[K] } = {}
  const enabled = accepted<boolean>(failed, 'eplb.enabled', value['enabled'] ?? true)
  if (enabled !== undefined) out.enabled = enabled
  const window = accepted<number>(failed, 'eplb.windowSize', value['windowSize'] ?? defaults.windowSize)
  const interval = accepted<number>(failed, 'eplb.stepInterval', value['stepInterval'] ?? defaults.stepInterval)
  const redundant = accepted<number>(failed, 'eplb.redundantExperts', value['redundantExperts'] ?? defaults.redundantExperts)
  const policy = accepted<EplbPolicy>(failed, 'eplb.policy', value['policy'] ?? defaults.policy)
  const choice = accepted<ReplicaChoice>(failed, 'eplb.replicaChoice', value['replicaChoice'] ?? defaults.replicaChoice)
  if (window !== undefined) out.windowSize = window
  if (interval !== undefined) out.stepInterval = interval
  if (redundant !== undefined) out.redundantExperts = redundant
  if (policy !== undefined) out.policy = policy
  if (choice !== undefined) out.replicaChoice = choice
  const preserve = accepted<boolean>(failed, 'eplb.preserveIntraGpuSlots', value['preserveIntraGpuSlots'] ?? defaults.preserveIntraGpuSlots)
  if (preserve !== undefined) out.preserveIntraGpuSlots = preserve
  const counts = value['initialReplicaCounts']
  // Not a list, or an entry that is not a count (zero, negative, fractional): the schema has said so.
  if (Array.isArray(counts) && !failed.has('eplb.initialReplicaCounts')) {
    {
      let ok = ![...failed].some((path) => path.startsWith('eplb.initialReplicaCounts['))
      if (numExperts !== undefined && counts.length !== numExperts) {
        issues.add('eplb.initialReplicaCounts', `has ${counts.length} entries; the preset has ${numExperts} logical experts`)
        ok = false
      }
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
    const policy = entry['policy']
    if (typeof policy !== 'string' || !CAPACITY_POLICIES.includes(policy)) {
      issues.invalid(`${path}.policy`, policy, `one of [${CAPACITY_POLICIES.join(', ')}]`)
      return
    }
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
    const label =
      typeof rawLabel === 'string' && rawLabel
        ? rawLabel
        : `${policy}${factor === undefined ? '' : `@${factor}`}${policy === 'tutel' ? `/${String(resolved['mode'])}` : ''}`
    if (labels.has(label)) {
      issues.add(`${path}.label`, `duplicate label ${describeValue(label)}; give each capacity setting a distinct label`)
      return
    }
    labels.add(label)
    out.push({ label, policy, params: resolved })
  })
  return out
}

function readLogits(failed: ReadonlySet<string>, value: unknown): LogitSettings {
  if (!isObject(value) || failed.has('logits')) return { mean: 0, std: 1 }
  const mean = accepted<number>(failed, 'logits.mean', value['mean'] ?? 0)
  const std = accepted<number>(failed, 'logits.std', value['std'] ?? 1)
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
  const failed = checkSchema(issues, obj)

  const presets = options.presets ?? MODEL_PRESETS
  let preset: ModelPreset | undefined
  if (typeof obj['preset'] !== 'string') issues.invalid('preset', obj['preset'], `a preset name, one of [${listPresetNames(presets).join(', ')}]`)
  else {
    preset = findPreset(obj['preset'], presets)
    if (!preset) issues.add('preset', `unknown preset ${describeValue(obj['preset'])}; available presets: [${listPresetNames(presets).join(', ')}]`)
  }
  const name = obj['name'] === undefined ? (preset?.name ?? 'scenario') : obj['name']
  const seed = accepted<Seed>(failed, 'seed', obj['seed']) ?? 0
  const tokensPerStep = accepted<number>(failed, 'tokensPerStep', obj['tokensPerStep'])
  const steps = accepted<number>(failed, 'steps', obj['steps'])
  const threads = accepted<number>(failed, 'threads', obj['threads'])

  // The layer count is bounded by the preset's MoE layers, so it is checked here rather than by the schema.
  const maxLayers = preset?.moeLayerIndices.length ?? LIMITS.maxLayers
  let numLayers = preset?.moeLayerIndices.length
  if (obj['layers'] !== undefined) {
    const layers = obj['layers']
    numLayers = typeof layers === 'number' && Number.isInteger(layers) && layers >= 1 && layers <= maxLayers ? layers : undefined
    if (numLayers === undefined) issues.invalid('layers', layers, integerIn(1, maxLayers))
  }

  const base = obj['strategy'] === undefined ? undefined : readStrategy(issues, failed, 'strategy', obj['strategy'], catalog, preset)
  const probes: [string, StrategyChoice][] = base ? [['strategy', base]] : []
  const perLayer: (StrategyChoice | undefined)[] = numLayers === undefined ? [] : new Array<StrategyChoice | undefined>(numLayers).fill(base)
  const overrides = obj['layerStrategies']
  // A value that is not a list has been reported by the schema.
  if (Array.isArray(overrides) && !failed.has('layerStrategies')) {
    const maxEntries = numLayers ?? LIMITS.maxLayers
    // Each entry is validated and probed: more entries than layers would only repeat that work.
    if (overrides.length > maxEntries)
      issues.add('layerStrategies', `${overrides.length} entries exceed the ${maxEntries} layers (at most one entry per layer)`)
    else
      overrides.forEach((entry, i) => {
        const path = `layerStrategies[${i}]`
        if (!isObject(entry) || failed.has(path)) return
        const strategy = readStrategy(issues, failed, path, entry, catalog, preset)
        const layers = numLayers === undefined ? undefined : readLayerSelection(issues, `${path}.layers`, entry['layers'], numLayers)
        if (strategy) probes.push([path, strategy])
        if (strategy && layers) for (const l of layers) perLayer[l] = strategy
      })
  }

  if (obj['strategy'] === undefined && numLayers !== undefined) {
    const uncovered = perLayer.flatMap((s, l) => (s ? [] : [l]))
    if (uncovered.length > 0) {
      issues.add(
        'strategy',
        `missing, and layerStrategies leave layers [${uncovered.length > 8 ? `${uncovered.slice(0, 8).join(', ')}, …` : uncovered.join(', ')}] without one; name a default strategy (e.g. "uniform_random")`,
      )
    }
  }

  // Total work and the EPLB window's memory are checked before anything is routed or allocated.
  let tooBig = false
  if (tokensPerStep !== undefined && steps !== undefined && numLayers !== undefined) {
    const work = steps * tokensPerStep * numLayers
    if (work > LIMITS.maxScenarioWork) {
      tooBig = true
      issues.add(
        'steps',
        `${steps} steps × ${tokensPerStep} tokens × ${numLayers} layers = ${work.toExponential(2)} routed tokens exceed the limit on steps × tokens × layers (at most ${LIMITS.maxScenarioWork.toExponential(2)}); use fewer steps`,
      )
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

  const parallel = readParallel(issues, failed, obj['parallel'])
  const eplb = readEplb(issues, failed, obj['eplb'], preset?.routing.numExperts)
  const capacity = failed.has('capacity') ? [] : readCapacity(issues, obj['capacity'])
  const logits = readLogits(failed, obj['logits'])
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
    ...(threads === undefined ? {} : { threads }),
  }
}
