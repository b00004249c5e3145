import { LIMITS } from '@routesim/core'
import type { Command } from 'commander'
import { fixed, percent, sparkline, wrap } from '../format.ts'
import { outputOf, writeJson, type CliOutput } from '../io.ts'
import { plainTable } from '../load-table.ts'
import { createCliSimulator } from '../plugins.ts'
import { ROUTE_FLAGS, withFlagNames } from '../flag-names.ts'
import { parseSeedOption, seedToJson } from '../options.ts'
import { defineFlags, flagAtMost } from '../flag-schema.ts'
import { routeAndMeasure as routeOnce, type RouteMeasurement as RouteOutcome } from '@routesim/simulator'

/** One stop of the tour: a strategy, its parameters, and what it is there to show. */
export interface DemoStop {
  readonly label: string
  readonly strategy: string
  readonly params: Readonly<Record<string, unknown>>
  readonly note: string
}

/**
 * The tour, in order. Stops whose strategy is not registered (a plugin left out of a build) are
 * skipped; a registered strategy that rejects its parameters is an error, never skipped.
 */
export const DEMO_STOPS: readonly DemoStop[] = [
  {
    label: 'uniform i.i.d.',
    strategy: 'uniform_random',
    params: { replacement: true },
    note: "The seed's original draw (torch.randint): each of the k slots is independent, so some tokens name the same expert twice, which DeepEP's dispatch rejects.",
  },
  {
    label: 'uniform distinct',
    strategy: 'uniform_random',
    params: {},
    note: "routesim's default (vLLM's later fix): k distinct experts per token, every k-subset equally likely. No duplicates; the loads differ only by sampling noise.",
  },
  {
    label: 'normal',
    strategy: 'normal_routing',
    params: {},
    note: "The seed's normal: id = floor(sigmoid(z)·E) with z ~ N(0,1). The middle experts run hot, the edges starve, and ids still repeat within a token.",
  },
  {
    label: 'softmax top-k',
    strategy: 'softmax_topk',
    params: {},
    note: 'A real router (Mixtral/Qwen style) on random N(0,1) logits: softmax, then the top k. Random logits spread the load almost evenly; real traffic does not.',
  },
  {
    label: 'grouped top-k',
    strategy: 'grouped_topk',
    params: {},
    note: "DeepSeek-V3's router on random logits: choose the best expert groups first, then the top k inside them. Still near-uniform on random logits.",
  },
  {
    label: 'zipf',
    strategy: 'zipf',
    params: {},
    note: 'Zipf popularity: the r-th most popular expert gets weight 1/r^s. A few experts carry much of the traffic, and the EP ranks that host them set the pace.',
  },
  {
    label: 'hot experts',
    strategy: 'hot_experts',
    params: {},
    note: 'A small hot set takes a fixed share of all traffic, the pattern behind "the hottest expert is 7x the mean" reports at inference time.',
  },
  {
    label: 'lognormal',
    strategy: 'lognormal',
    params: {},
    note: "Log-normal expert popularity, the shape DeepEP fitted to DeepSeek-V3's measured per-rank loads.",
  },
]

/** `demo`'s flags. */
export const DEMO_FLAG_SCHEMA = defineFlags('demo', {
  tokens: { type: 'integer', min: 1, max: LIMITS.maxTokens, default: 4096, description: 'tokens to route' },
  experts: { type: 'integer', min: 1, max: LIMITS.maxExperts, default: 256, description: 'experts in the layer' },
  topK: { type: 'integer', min: 1, max: LIMITS.maxTopK, default: 8, description: 'experts per token' },
  epSize: { type: 'integer', min: 1, max: LIMITS.maxEpSize, default: 32, description: 'expert-parallel ranks for balancedness' },
  seed: { type: 'string', default: '0', description: 'seed' },
  json: { type: 'boolean', optional: true, description: 'print one JSON object with every row instead of the tour' },
})

const CHARS = 64

interface DemoSetup {
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  readonly epSize: number
  readonly seed: string
}

function flagsOf(stop: DemoStop): string {
  const params = Object.entries(stop.params).map(([k, v]) => ` --param ${k}=${String(v)}`)
  return `--strategy ${stop.strategy}${params.join('')}`
}

function render(output: CliOutput, setup: DemoSetup, rows: { stop: DemoStop; outcome: RouteOutcome }[]): void {
  const { tokens, experts, topK, epSize } = setup
  const width = Math.min(Math.max(output.columns, 80), 100)
  const lines: string[] = []
  lines.push(
    ...wrap(
      `routesim demo: ${tokens} tokens, each routed to ${topK} of ${experts} experts (a DeepSeek-V3-sized MoE layer), ` +
        `on ${epSize} expert-parallel ranks of ${experts / epSize} experts each. Seed ${setup.seed}: the same seed prints the same tour.`,
      width,
    ),
  )
  lines.push('')
  const table = plainTable({
    head: ['strategy', 'dup tokens', 'experts', 'max÷mean', 'Gini', `EP${epSize} bal.`],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: { compact: true },
  })
  for (const { stop, outcome } of rows) {
    const s = outcome.summary
    table.push([
      stop.label,
      percent(outcome.duplicateIdRate),
      `${s.distinctExperts}/${s.numExperts}`,
      fixed(s.maxOverMean, 2),
      fixed(s.gini, 3),
      fixed(outcome.ranks?.balancedness ?? Number.NaN, 3),
    ])
  }
  lines.push(table.toString())
  lines.push(
    ...wrap(
      'dup tokens: tokens that name an expert twice. experts: experts used at least once. max÷mean: the hottest ' +
        `expert's load over the average (1 = even). Gini: 0 = even, near 1 = a few experts take everything. EP${epSize} bal.: ` +
        `balancedness, mean ÷ max tokens per rank (1 = even, 1/${epSize} = worst); the busiest rank sets the step time.`,
      width,
    ),
  )
  lines.push('')
  const perChar = Math.max(1, Math.ceil(experts / CHARS))
  const unit = perChar === 1 ? 'one expert' : `${perChar} experts`
  lines.push(...wrap(`Load by expert id, ${unit} per character: ▄ mean, █ twice the mean or more, ▁ a quarter or less, · unused.`, width))
  for (const { stop, outcome } of rows) {
    lines.push('')
    lines.push(`${stop.label}  (${flagsOf(stop)})`)
    lines.push(`  ${sparkline(outcome.counts, perChar)}`)
    lines.push(...wrap(stop.note, width, '  '))
  }
  lines.push('')
  lines.push(
    ...wrap(
      `Look closer at one strategy: routesim route <flags in brackets> --tokens ${tokens} --experts ${experts} --top-k ${topK} ` +
        `--ep-size ${epSize}. List them all: routesim strategies. Add --json for machine-readable output.`,
      width,
    ),
  )
  lines.push('')
  lines.push(...wrap('Watch EPLB rebalance the zipf skew over 100 steps of DeepSeek-V3 (its first 4 MoE layers):', width))
  lines.push(
    ...wrap(
      'routesim simulate --preset deepseek-v3 --strategy zipf --layers 4 --steps 100 --ep-size 32 --eplb --eplb-interval 20 --eplb-window 20 --redundant 32',
      width,
      '  ',
    ),
  )
  output.out(`${lines.join('\n')}\n`)
}

/** A stop's parameters for `experts` experts: the hot set (8 by default) shrinks to fit fewer experts. */
function fitStop(stop: DemoStop, experts: number): Readonly<Record<string, unknown>> {
  return stop.strategy === 'hot_experts' && experts < 8 ? { ...stop.params, hotCount: experts } : stop.params
}

/** `routesim demo`: a few strategies side by side on a DeepSeek-V3-sized layer. */
export function registerDemoCommand(program: Command): void {
  const flag = DEMO_FLAG_SCHEMA.option
  program
    .command('demo')
    .description('a short tour: several routing strategies side by side on a DeepSeek-V3-sized layer')
    .addOption(flag('tokens', '-t, --tokens <T>'))
    .addOption(flag('experts', '-e, --experts <E>'))
    .addOption(flag('topK', '-k, --top-k <k>'))
    .addOption(flag('epSize', '--ep-size <R>'))
    .addOption(flag('seed', '--seed <S>'))
    .addOption(flag('json', '--json'))
    .action(async (_options: unknown, command: Command) => {
      const output = outputOf(command)
      const options = DEMO_FLAG_SCHEMA.parse(command)
      const { tokens, experts, topK, epSize } = options
      // Bounds that depend on --experts: after the schema, in one place.
      flagAtMost(options, 'topK', experts, `at most --experts ${experts}`)
      flagAtMost(options, 'epSize', experts, `at most --experts ${experts}`)
      const seed = parseSeedOption(options.seed)
      const { simulator, plugins } = await createCliSimulator(command, seed)
      const available = new Set(simulator.getAvailableStrategies())
      // Plugin strategies join the tour after the built-ins, with their default parameters.
      const pluginStops: DemoStop[] = plugins.map((d) => ({ label: `${d.name} (plugin)`, strategy: d.name, params: {}, note: d.description }))
      const rows: { stop: DemoStop; outcome: RouteOutcome }[] = []
      for (const stop of [...DEMO_STOPS, ...pluginStops]) {
        if (!available.has(stop.strategy)) continue
        const outcome = await routeOnce(simulator, { strategy: stop.strategy, params: fitStop(stop, experts), tokens, experts, topK, seed, epSize }).catch(
          (error: unknown) => {
            throw withFlagNames(error, ROUTE_FLAGS)
          },
        )
        rows.push({ stop, outcome })
      }
      if (options.json) {
        writeJson(output, {
          tokens,
          experts,
          topK,
          epSize,
          seed: seedToJson(seed),
          rows: rows.map(({ stop, outcome }) => ({
            label: stop.label,
            strategy: outcome.strategy,
            parameters: outcome.parameters,
            duplicateIdRate: outcome.duplicateIdRate,
            distinctExperts: outcome.summary.distinctExperts,
            maxOverMean: outcome.summary.maxOverMean,
            gini: outcome.summary.gini,
            balancedness: outcome.ranks?.balancedness,
            counts: Array.from(outcome.counts),
          })),
        })
        return
      }
      render(output, { tokens, experts, topK, epSize, seed: String(seed) }, rows)
    })
}
