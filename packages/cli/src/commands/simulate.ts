import { open, type FileHandle } from 'node:fs/promises'
import { readBoundedTextFile } from '../read-bounded-file.ts'
import { Option, type Command } from 'commander'
import Table from 'cli-table3'
import { EPLB_POLICIES, PLACEMENTS } from '@routesim/analysis'
import { ConfigValidationError, InvalidArgumentError, type ParametersOf } from '@routesim/core'
import { CAPACITY_POLICIES, MODEL_PRESETS, REPLICA_CHOICES, iterateScenario, parseScenario, type ScenarioSummary, type StepResult } from '@routesim/scenarios'
import { fixed, percent } from '../format.ts'
import { outputOf, writeJson, type CliOutput } from '../io.ts'
import { collect, parseStrategyParams } from '../options.ts'
import { defineFlags } from '../flag-schema.ts'
import { BACKEND_MODES, openBackend } from '../backend.ts'
import type { Simulator } from '@routesim/simulator'
import { createCliSimulator } from '../plugins.ts'
import { scenarioIssuesWithFlags } from '../flag-names.ts'
import { createProgress, progressAllowed } from '../progress.ts'
import { INDICES_TYPES, outputFormat } from '../trace-files.ts'
import { createTraceRecorder } from '../trace-recorder.ts'
import { writeOut } from '../trace-out.ts'

/**
 * `simulate`'s flags with a fixed set of values, read and checked once by this schema before anything
 * runs. The others (numbers, `--preset`, `--strategy`, `--capacity`, …) are scenario fields: laid over the
 * scenario JSON and checked by the scenario's schema, with the flags' names.
 */
export const SIMULATE_FLAG_SCHEMA = defineFlags('simulate', {
  placement: { type: 'enum', values: PLACEMENTS, optional: true, description: 'layout of experts over ranks without EPLB' },
  eplbPolicy: { type: 'enum', values: EPLB_POLICIES, optional: true, description: 'rebalance policy' },
  replicaChoice: { type: 'enum', values: REPLICA_CHOICES, optional: true, description: 'logical → physical replica choice' },
  backend: {
    type: 'enum',
    values: BACKEND_MODES,
    default: 'reference',
    description:
      'kernel backend every layer routes and counts on (identical results on each, except webgpu: its device loop draws on the device, from its own seeded stream)',
  },
  indicesType: { type: 'enum', values: INDICES_TYPES, default: 'int32', description: 'dtype of topk_ids in --out (int64 as torch.long)' },
})

type SimulateFlags = ParametersOf<typeof SIMULATE_FLAG_SCHEMA.specs>

/** What commander gives the action: the flags the schema does not cover, as typed. */
interface SimulateArguments {
  scenario?: string
  preset?: string
  strategy?: string
  param: string[]
  tokens?: string
  steps?: string
  layers?: string
  seed?: string
  epSize?: string
  ep?: string
  nodes?: string
  eplb?: boolean
  eplbInterval?: string
  eplbWindow?: string
  redundant?: string
  preserveSlots?: boolean
  capacity: string[]
  jsonOut?: string
  json?: boolean
  quiet?: boolean
  out?: string
  threads?: string
}

/** Every flag: the schema's, checked, over commander's. */
type SimulateOptions = SimulateArguments & SimulateFlags

/** A numeric flag value as JSON would carry it; anything else stays text so validation reports it by path. */
function numberOrText(raw: string): number | string {
  const t = raw.trim()
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : raw
}

/** `--capacity megatron:capacityFactor=1.25,minCapacity=4` → `{ policy, capacityFactor, minCapacity }`. */
export function parseCapacityFlag(raw: string): Record<string, unknown> {
  const colon = raw.indexOf(':')
  const policy = (colon < 0 ? raw : raw.slice(0, colon)).trim()
  const entry: Record<string, unknown> = { policy }
  if (colon < 0) return entry
  for (const part of raw
    .slice(colon + 1)
    .split(',')
    .filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=')
    if (eq <= 0) {
      throw new InvalidArgumentError({
        parameter: '--capacity',
        value: raw,
        allowed: `policy:key=value,… with policy one of [${CAPACITY_POLICIES.join(', ')}], e.g. megatron:capacityFactor=1.25`,
      })
    }
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    entry[key] = value === 'true' ? true : value === 'false' ? false : numberOrText(value)
  }
  return entry
}

/** Tokens per step when neither --tokens nor a scenario file gives them. */
export const DEFAULT_TOKENS_PER_STEP = 4096

/** Which scenario fields the flags set (so validation errors can name the flag instead of the field). */
function flagPaths(options: SimulateOptions): (path: string) => boolean {
  if (options.scenario === undefined) return () => true // no file: every field came from a flag
  const given: Record<string, unknown> = {
    tokensPerStep: options.scenario === undefined ? true : options.tokens,
    steps: options.steps,
    layers: options.layers,
    seed: options.seed,
    preset: options.preset,
    strategy: options.strategy ?? (options.param.length > 0 ? true : undefined),
    'parallel.epSize': options.epSize ?? options.ep,
    'parallel.nodes': options.nodes,
    'parallel.placement': options.placement,
    'eplb.stepInterval': options.eplbInterval,
    'eplb.windowSize': options.eplbWindow,
    'eplb.redundantExperts': options.redundant,
    'eplb.policy': options.eplbPolicy,
    'eplb.replicaChoice': options.replicaChoice,
    capacity: options.capacity.length > 0 ? true : undefined,
    threads: options.threads,
  }
  return (path) =>
    Object.entries(given).some(([key, value]) => value !== undefined && (path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`)))
}

/** The scenario as JSON: the file (if any) with every given flag laid over it. */
function scenarioJson(options: SimulateOptions, simulator: Simulator): { json: Record<string, unknown>; source: string } {
  let json: Record<string, unknown> = {}
  let source = 'command-line flags'
  if (options.scenario !== undefined) {
    const text = readBoundedTextFile('--scenario', options.scenario)
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      throw new ConfigValidationError({ source: options.scenario, issues: [{ path: '$', message: `malformed JSON: ${(error as Error).message}` }] })
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ConfigValidationError({ source: options.scenario, issues: [{ path: '$', message: 'expected a JSON object describing the scenario' }] })
    }
    source = options.scenario
  }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) json[key] = value
  }
  set('preset', options.preset)
  set('tokensPerStep', options.tokens === undefined ? undefined : numberOrText(options.tokens))
  // Flags alone (no file) need no --tokens: a documented default, the demo's layer size.
  if (options.scenario === undefined && json['tokensPerStep'] === undefined) json['tokensPerStep'] = DEFAULT_TOKENS_PER_STEP
  set('steps', options.steps === undefined ? undefined : numberOrText(options.steps))
  set('layers', options.layers === undefined ? undefined : numberOrText(options.layers))
  set('seed', options.seed === undefined ? undefined : numberOrText(options.seed))
  set('threads', options.threads === undefined ? undefined : numberOrText(options.threads))
  if (options.strategy !== undefined || options.param.length > 0) {
    const base = json['strategy']
    const name = options.strategy ?? (typeof base === 'string' ? base : (base as { name?: unknown } | undefined)?.name)
    const definition = typeof name === 'string' && simulator.hasStrategy(name) ? simulator.describeStrategy(name) : undefined
    const params = definition ? parseStrategyParams(definition.name, definition.parameters, options.param) : {}
    json['strategy'] = { name, params }
  }
  const parallel = { ...((json['parallel'] as Record<string, unknown> | undefined) ?? {}) }
  const epSize = options.epSize ?? options.ep
  if (epSize !== undefined) parallel['epSize'] = numberOrText(epSize)
  if (options.nodes !== undefined) parallel['nodes'] = numberOrText(options.nodes)
  if (options.placement !== undefined) parallel['placement'] = options.placement
  if (Object.keys(parallel).length > 0) json['parallel'] = parallel
  const eplbFlags = [
    options.eplb,
    options.eplbInterval,
    options.eplbWindow,
    options.redundant,
    options.eplbPolicy,
    options.replicaChoice,
    options.preserveSlots,
  ]
  if (eplbFlags.some((f) => f !== undefined)) {
    const eplb = { ...((json['eplb'] as Record<string, unknown> | undefined) ?? {}) }
    if (options.eplb !== undefined) eplb['enabled'] = options.eplb
    if (options.eplbInterval !== undefined) eplb['stepInterval'] = numberOrText(options.eplbInterval)
    if (options.eplbWindow !== undefined) eplb['windowSize'] = numberOrText(options.eplbWindow)
    if (options.redundant !== undefined) eplb['redundantExperts'] = numberOrText(options.redundant)
    if (options.eplbPolicy !== undefined) eplb['policy'] = options.eplbPolicy
    if (options.replicaChoice !== undefined) eplb['replicaChoice'] = options.replicaChoice
    if (options.preserveSlots !== undefined) eplb['preserveIntraGpuSlots'] = options.preserveSlots
    json['eplb'] = eplb
  }
  if (options.capacity.length > 0) json['capacity'] = options.capacity.map(parseCapacityFlag)
  return { json, source }
}

/**
 * Writes `{"scenario":…,"steps":[…],"summary":…}` one step at a time. Every write is awaited on a file
 * handle, so a failure (a full disk, /dev/full, a read-only /proc file) is a typed error naming
 * --json-out, never an unsettled wait.
 */
class JsonStepWriter {
  private first = true
  private failed = false
  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  private static error(path: string, error: unknown): InvalidArgumentError {
    return new InvalidArgumentError({ parameter: '--json-out', value: path, allowed: `a writable file path (${(error as Error).message})`, cause: error })
  }

  static async open(path: string, header: unknown, backend: unknown): Promise<JsonStepWriter> {
    let handle: FileHandle
    try {
      handle = await open(path, 'w')
    } catch (error) {
      throw JsonStepWriter.error(path, error)
    }
    const writer = new JsonStepWriter(handle, path)
    await writer.write(`{"scenario":${JSON.stringify(header)},\n"backend":${JSON.stringify(backend)},\n"steps":[\n`)
    return writer
  }

  private async write(text: string): Promise<void> {
    try {
      await this.handle.writeFile(text, 'utf8')
    } catch (error) {
      this.failed = true
      await this.handle.close().catch(() => undefined)
      throw JsonStepWriter.error(this.path, error)
    }
  }

  async step(result: StepResult): Promise<void> {
    await this.write(`${this.first ? '' : ',\n'}${JSON.stringify(result)}`)
    this.first = false
  }

  async close(summary: ScenarioSummary | undefined): Promise<void> {
    if (this.failed) return
    await this.write(`\n],\n"summary":${JSON.stringify(summary ?? null)}}\n`)
    try {
      await this.handle.close()
    } catch (error) {
      throw JsonStepWriter.error(this.path, error)
    }
  }
}

function stepLine(r: StepResult, steps: number): string {
  const worst = r.layers.reduce((m, l) => Math.max(m, l.load.maxOverMean), 0)
  return (
    `step ${String(r.step + 1).padStart(String(steps).length)}/${steps}  balancedness static ${fixed(r.balancedness.static.perLayerMean, 3)}` +
    ` deployed ${fixed(r.balancedness.deployed.perLayerMean, 3)} (worst layer ${fixed(r.balancedness.deployed.min, 3)})  hottest expert ${fixed(worst, 2)}× mean`
  )
}

function rebalanceLine(r: StepResult): string {
  const e = r.rebalance!
  return (
    `  EPLB rearranged after step ${e.afterStep + 1} (${e.policy}, window ${e.windowSteps} steps): balancedness ${fixed(e.balancednessBefore, 3)} → ${fixed(e.balancednessAfter, 3)},` +
    ` ${e.expertTransfers} expert weight copies (${e.expertsMoved} experts moved), ${e.slotsChanged} slots changed, ${e.duplicateReplicas} duplicate replicas on one GPU`
  )
}

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }

/** The run summary as a title line and two tables: per layout, then layout-free metrics. */
export function summaryTable(s: ScenarioSummary): string {
  const title = `${s.name === s.preset ? s.preset : `${s.name} (${s.preset})`}: ${s.layers} MoE layers × ${s.tokensPerStep} tokens × ${s.steps} steps = ${s.tokenLayers.toExponential(3)} token-layers, EP ${s.epSize} on ${s.nodes} node(s)`
  const b = s.balancedness
  const byLayout = new Table({
    head: ['balancedness (mean ÷ max rank load)', 'static layout', 'deployed (EPLB)'],
    style: { head: [], border: [] },
    chars: COMPACT,
  })
  byLayout.push(
    ['per-layer mean (vLLM)', fixed(b.static.perLayerMean, 4), fixed(b.deployed.perLayerMean, 4)],
    ['token-weighted (vLLM original)', fixed(b.static.tokenWeighted, 4), fixed(b.deployed.tokenWeighted, 4)],
    ['(mean+ε)/(max+ε) (SGLang)', fixed(b.static.sglang, 4), fixed(b.deployed.sglang, 4)],
    ['worst layer-step', fixed(b.static.min, 4), fixed(b.deployed.min, 4)],
  )
  const other = new Table({ head: ['metric', 'value'], style: { head: [], border: [] }, chars: COMPACT })
  const r = s.rollingDeployedBalancedness
  other.push(
    ['deployed balancedness, last 10/100/1000 steps', `${fixed(r.last10, 3)} / ${fixed(r.last100, 3)} / ${fixed(r.last1000, 3)}`],
    ['expert max ÷ mean (mean, worst)', `${fixed(s.load.maxOverMean, 3)}, ${fixed(s.load.worstMaxOverMean, 3)}`],
    ['expert Gini, CV', `${fixed(s.load.gini, 4)}, ${fixed(s.load.cv, 4)}`],
    ['duplicate-id rate', percent(s.load.duplicateIdRate, 3)],
    ['tokens leaving their rank / node', `${percent(s.traffic.tokensLeavingRank, 2)} / ${percent(s.traffic.tokensLeavingNode, 2)}`],
    ['token copies off rank / off node, per token', `${fixed(s.traffic.copiesLeavingRankPerToken, 3)} / ${fixed(s.traffic.copiesLeavingNodePerToken, 3)}`],
  )
  for (const d of s.drops) other.push([`dropped, ${d.label}`, `${d.dropped} slots (${percent(d.droppedFraction, 3)})`])
  other.push([
    'layers ran on',
    s.execution.layersOn === 'threads'
      ? `${s.execution.threads} threads (${s.execution.reason})`
      : s.execution.layersOn === 'device'
        ? `the device (${s.execution.reason})`
        : `the calling thread (${s.execution.reason})`,
  ])
  if (s.eplb.enabled) {
    other.push(
      ['EPLB rearrangements', String(s.eplb.rebalances)],
      ['window balancedness before → after (mean)', `${fixed(s.eplb.meanBalancednessBefore, 4)} → ${fixed(s.eplb.meanBalancednessAfter, 4)}`],
      ['expert weight copies / experts moved / slots changed', `${s.eplb.expertTransfers} / ${s.eplb.expertsMoved} / ${s.eplb.slotsChanged}`],
      ['duplicate replicas on one GPU (final maps)', String(s.eplb.duplicateReplicas)],
    )
  }
  return `${title}\n${byLayout.toString()}\n${other.toString()}`
}

async function simulate(options: SimulateOptions, output: CliOutput, command: Command): Promise<void> {
  const { simulator } = await createCliSimulator(command, 0)
  const { json, source } = scenarioJson(options, simulator)
  let scenario: ReturnType<typeof parseScenario>
  try {
    scenario = parseScenario(json, { simulator, source })
  } catch (error) {
    throw scenarioIssuesWithFlags(error, flagPaths(options))
  }
  if (options.out !== undefined) outputFormat('--out', options.out)
  const recorder = options.out === undefined ? undefined : createTraceRecorder(scenario)
  const opened = await openBackend(options.backend)
  try {
    await runSimulation(options, output, scenario, simulator, opened, recorder)
  } finally {
    opened.dispose()
  }
}

async function runSimulation(
  options: SimulateOptions,
  output: CliOutput,
  scenario: ReturnType<typeof parseScenario>,
  simulator: Simulator,
  opened: Awaited<ReturnType<typeof openBackend>>,
  recorder: ReturnType<typeof createTraceRecorder> | undefined,
): Promise<void> {
  const backendInfo = { requested: options.backend, name: opened.backend.name, mode: opened.backend.mode, reason: opened.detail }
  const writer = options.jsonOut === undefined ? undefined : await JsonStepWriter.open(options.jsonOut, scenario, backendInfo)
  // A bar on stderr for runs over a second; EPLB reports print above it through the bar's logging API.
  const progress = createProgress(output, {
    total: scenario.steps,
    format: 'simulating [{bar}] {percentage}% | step {value}/{total} | ETA {eta_formatted} | balancedness {bal}',
    payload: { bal: '–' },
    enabled: !options.quiet && progressAllowed(output),
    delayMs: 1000,
  })
  const bar = progress.enabled
  const every = Math.max(1, Math.ceil(scenario.steps / 20))
  // The library's one routing path: every layer routes on the chosen backend through the simulator.
  const it = iterateScenario(scenario, { simulator, backend: opened.backend, ...(recorder ? { onRoute: recorder.record } : {}) })
  let summary: ScenarioSummary | undefined
  try {
    for (;;) {
      const next = await it.next()
      if (next.done) {
        summary = next.value
        break
      }
      const r = next.value
      await writer?.step(r)
      progress.update(r.step + 1, { bal: fixed(r.balancedness.deployed.perLayerMean, 3) })
      if (!options.json && !options.quiet) {
        if (!bar && ((r.step + 1) % every === 0 || r.step === 0)) progress.log(stepLine(r, scenario.steps))
        if (r.rebalance) progress.log(rebalanceLine(r))
      }
      if (bar) await progress.tick()
    }
  } finally {
    progress.stop()
    await writer?.close(summary)
  }
  if (recorder) writeOut(output, options.out!, recorder.trace(), options.indicesType)
  if (options.json) writeJson(output, summary)
  else output.out(`${summaryTable(summary)}\n${options.jsonOut ? `per-step metrics written to ${options.jsonOut}\n` : ''}`)
}

/** `routesim simulate`: run a model preset for many steps with EP placement, EPLB and capacity. */
export function registerSimulateCommand(program: Command): void {
  const flag = SIMULATE_FLAG_SCHEMA.option
  program
    .command('simulate')
    .description('run a scenario (model preset × strategy × EP × EPLB × capacity) for many steps and summarise balance, drops and traffic')
    .option('--scenario <file>', 'scenario JSON file; flags below override its fields')
    .option('--preset <name>', `model preset: ${MODEL_PRESETS.map((p) => p.name).join(', ')}`)
    .option('-s, --strategy <name>', "routing strategy for every layer (see `routesim strategies`), or 'native' for the preset's own router")
    .option('-p, --param <key=value>', 'strategy parameter (repeatable)', collect, [])
    .option('-t, --tokens <T>', `tokens per step (default ${DEFAULT_TOKENS_PER_STEP} unless the scenario file sets them)`)
    .option('--steps <S>', 'steps to simulate')
    .option('--layers <L>', "simulate only the model's first L MoE layers")
    .option('--seed <S>', 'seed; the same seed gives the same results')
    .option('--threads <N>', 'threads, this one included (default: ROUTESIM_THREADS, else every core); results are the same for any count')
    .option('--ep-size <N>', 'expert-parallel ranks (GPUs); must divide the expert slots')
    .addOption(new Option('--ep <N>', 'old spelling of --ep-size').hideHelp())
    .option('--nodes <M>', 'nodes the ranks are split over')
    .addOption(flag('placement', '--placement <kind>'))
    .option('--eplb', 'enable EPLB rearrangement')
    .option('--no-eplb', 'disable EPLB rearrangement (keep the static map)')
    .option('--eplb-interval <I>', 'rearrange every I steps')
    .option('--eplb-window <W>', 'steps of load in the sliding window')
    .option('--redundant <R>', 'redundant expert slots')
    .addOption(flag('eplbPolicy', '--eplb-policy <policy>'))
    .addOption(flag('replicaChoice', '--replica-choice <policy>'))
    .option('--preserve-slots', "keep experts that stay on a GPU in their old slot (vLLM's preserve_intragpu_slots)")
    .option('--capacity <policy:key=value,…>', `capacity setting to count drops with (repeatable; ${CAPACITY_POLICIES.join(', ')})`, collect, [])
    .addOption(flag('backend', '--backend <mode>'))
    .option('--json-out <file>', 'write every step’s metrics as JSON (streamed)')
    .option('--json', 'print the summary as one JSON object instead of tables')
    .option('-q, --quiet', 'no progress bar and no per-step lines')
    .option(
      '-o, --out <file>',
      'also write the routing of every step and layer: .npz/.safetensors/.pt (topk_ids, topk_weights [steps, layers, tokens, k]), .npy, .jsonl (a line per step and layer), .json or .csv',
    )
    .addOption(flag('indicesType', '--indices-type <dtype>'))
    .action(async (options: SimulateArguments, command: Command) => {
      // The one check of the schema's flags, before the scenario is read or anything runs.
      await simulate({ ...options, ...SIMULATE_FLAG_SCHEMA.parse(command) }, outputOf(command), command)
    })
}
