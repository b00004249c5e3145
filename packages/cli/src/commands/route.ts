import type { Command } from 'commander'
import { PLACEMENTS } from '@routesim/analysis'
import { LIMITS } from '@routesim/core'
import { BACKEND_MODES, openBackend } from '../backend.ts'
import { fixed, percent, wrap } from '../format.ts'
import { outputOf, writeJson, type CliOutput } from '../io.ts'
import { createCliSimulator } from '../plugins.ts'
import { ROUTE_FLAGS, withFlagNames } from '../flag-names.ts'
import { GRID_MAX_EXPERTS, PER_EXPERT_ROWS_MAX, expertGrid, extremes, loadHistogram, perExpertTable } from '../load-table.ts'
import { collect, parseSeedOption, parseStrategyParams, seedToJson } from '../options.ts'
import { defineFlags, flagAtMost } from '../flag-schema.ts'
import { routeAndMeasure as routeOnce, type RouteMeasurement as RouteOutcome } from '@routesim/simulator'
import { createProgress, progressAllowed } from '../progress.ts'
import { INDICES_TYPES, outputFormat } from '../trace-files.ts'
import { writeRouteOut } from '../trace-out.ts'

/** `route`'s flags (all but the repeatable `--param`, which the strategy's own schema checks). */
export const ROUTE_FLAG_SCHEMA = defineFlags('route', {
  strategy: { type: 'string', description: 'registered strategy name (see `routesim strategies`)' },
  tokens: { type: 'integer', min: 1, max: LIMITS.maxTokens, description: 'number of tokens' },
  experts: { type: 'integer', min: 1, max: LIMITS.maxExperts, description: 'number of experts' },
  topK: { type: 'integer', min: 1, max: LIMITS.maxTopK, description: 'experts per token' },
  seed: { type: 'string', default: '0', description: 'seed; the same seed gives the same output' },
  backend: { type: 'enum', values: BACKEND_MODES, default: 'reference', description: 'kernel backend' },
  epSize: { type: 'integer', min: 1, max: LIMITS.maxEpSize, optional: true, description: 'also report balancedness over R expert-parallel ranks' },
  placement: { type: 'enum', values: PLACEMENTS, default: 'linear', description: 'expert placement over ranks' },
  json: { type: 'boolean', optional: true, description: 'print one JSON object instead of tables' },
  out: {
    type: 'string',
    optional: true,
    description: 'also write the routing: .npz/.safetensors/.pt (topk_ids, topk_weights), .npy (ids), .json, .jsonl or .csv, by extension',
  },
  indicesType: { type: 'enum', values: INDICES_TYPES, default: 'int32', description: 'dtype of topk_ids in --out (int64 as torch.long)' },
})

/** A load or mean with as many decimals as its size needs (128.0, 2.50, 0.125). */
function readable(value: number): string {
  return fixed(value, value >= 100 ? 1 : value >= 1 ? 2 : 3)
}

/** Pretty `key=value` list of the parameters that were set (defaults included). */
export function describeParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ')
}

function printOutcome(output: CliOutput, outcome: RouteOutcome, header: string): void {
  const { counts, summary } = outcome
  const lines: string[] = [header, '']
  const mean = readable(summary.mean)
  if (counts.length <= PER_EXPERT_ROWS_MAX) {
    lines.push(`Per-expert load (top-k slots routed to each expert; mean ${mean})`, perExpertTable(counts), '')
  } else {
    lines.push(`Load distribution: how many experts carry each load (mean ${mean})`, loadHistogram(counts), '')
    if (counts.length <= GRID_MAX_EXPERTS) {
      const perRow = String(summary.max).length > 5 ? 4 : 8
      lines.push(`Per-expert load (expert id = row start + column)`, expertGrid(counts, perRow), '')
    } else {
      const { hottest, coldest } = extremes(counts, 8)
      const width = Math.min(output.columns, 100)
      lines.push('Hottest experts (id:tokens)', ...wrap(hottest, width, '  '), 'Coldest experts (id:tokens)', ...wrap(coldest, width, '  '), '')
    }
  }
  const rows: [string, string][] = [
    ['min / mean / max load', `${summary.min} / ${mean} / ${summary.max}`],
    ['max ÷ mean, min ÷ mean', `${fixed(summary.maxOverMean, 3)}, ${fixed(summary.minOverMean, 3)}`],
    ['CV, Gini', `${fixed(summary.cv, 3)}, ${fixed(summary.gini, 3)}`],
    ['distinct experts used', `${summary.distinctExperts} of ${summary.numExperts}`],
    [
      'duplicate-id rate',
      `${percent(outcome.duplicateIdRate, 2)} (${outcome.tokensWithDuplicates} token${outcome.tokensWithDuplicates === 1 ? '' : 's'} name an expert twice)`,
    ],
  ]
  if (outcome.ranks) {
    const r = outcome.ranks
    rows.push([`balancedness, EP ${r.epSize}`, `${fixed(r.balancedness, 3)} (mean ÷ max rank load, ${r.placement} placement)`])
  }
  lines.push('Summary')
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(24)}${v}`)
  output.out(`${lines.join('\n')}\n`)
}

/** `routesim route`: route T tokens with one strategy and show where they went. */
export function registerRouteCommand(program: Command): void {
  const flag = ROUTE_FLAG_SCHEMA.option
  program
    .command('route')
    .description('route tokens with one strategy and print the per-expert load and its summary')
    .addOption(flag('strategy', '-s, --strategy <name>'))
    .addOption(flag('tokens', '-t, --tokens <T>'))
    .addOption(flag('experts', '-e, --experts <E>'))
    .addOption(flag('topK', '-k, --top-k <k>'))
    .addOption(flag('seed', '--seed <S>'))
    .option('-p, --param <key=value>', 'strategy parameter (repeatable; lists are comma-separated)', collect)
    .addOption(flag('backend', '--backend <mode>'))
    .addOption(flag('epSize', '--ep-size <R>'))
    .addOption(flag('placement', '--placement <kind>'))
    .addOption(flag('json', '--json'))
    .addOption(flag('out', '-o, --out <file>'))
    .addOption(flag('indicesType', '--indices-type <dtype>'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  routesim route -s zipf -t 4096 -e 256 -k 8 -p exponent=1.2 --out topk.safetensors',
        '  routesim route --strategy uniform_random --tokens 4096 --experts 256 --top-k 8 --param replacement=true',
        '  routesim route -s zipf -t 4096 -e 256 -k 8 -p exponent=1.2 --ep-size 32',
        '  routesim route -s grouped_topk -t 4096 -e 256 -k 8 -p scoring=sigmoid -p variant=hf --json',
        '  routesim route -s categorical -t 1000 -e 4 -k 1 -p weights=5,1,1,1',
      ].join('\n'),
    )
    .action(async ({ param }: { param?: string[] }, command: Command) => {
      const output = outputOf(command)
      const options = ROUTE_FLAG_SCHEMA.parse(command)
      const { tokens, experts, topK, epSize, placement } = options
      flagAtMost(options, 'epSize', experts, `at most --experts ${experts}`)
      const seed = parseSeedOption(options.seed)
      if (options.out !== undefined) outputFormat('--out', options.out)

      const { simulator } = await createCliSimulator(command, seed)
      const definition = simulator.describeStrategy(options.strategy)
      const params = parseStrategyParams(definition.name, definition.parameters, param ?? [])
      const backend = await openBackend(options.backend)
      // Big runs take seconds (1M tokens of router logits: ~10 s): a bar once a run passes one second.
      const progress = createProgress(output, {
        total: tokens,
        format: `{phase} [{bar}] {percentage}% | {value}/{total} tokens | {duration_formatted}`,
        payload: { phase: 'router logits' },
        enabled: progressAllowed(output),
        delayMs: 1000,
      })
      let outcome: RouteOutcome
      try {
        outcome = await routeOnce(
          simulator,
          {
            strategy: definition.name,
            params,
            tokens,
            experts,
            topK,
            seed,
            backend: backend.backend,
            epSize,
            placement,
          },
          {
            async logits(done) {
              progress.update(done)
              if (progress.enabled) await progress.tick()
            },
            async routing() {
              progress.update(tokens, { phase: `routing (${definition.name})` })
              if (progress.enabled) await progress.tick()
            },
          },
        )
      } catch (error) {
        throw withFlagNames(error, ROUTE_FLAGS)
      } finally {
        progress.stop()
        backend.dispose()
      }
      if (options.out !== undefined) writeRouteOut(output, options.out, outcome, tokens, topK, experts, options.indicesType)

      if (options.json) {
        const { summary } = outcome
        writeJson(output, {
          strategy: outcome.strategy,
          parameters: outcome.parameters,
          tokens,
          experts,
          topK,
          seed: seedToJson(seed),
          backend: options.backend,
          ranOn: outcome.ranOn,
          ...(backend.detail === undefined ? {} : { backendDetail: backend.detail }),
          ...(outcome.lastRun ? { lastRun: outcome.lastRun } : {}),
          usesLogits: outcome.usesLogits,
          summary: {
            total: summary.total,
            min: summary.min,
            max: summary.max,
            mean: summary.mean,
            maxOverMean: summary.maxOverMean,
            minOverMean: summary.minOverMean,
            cv: summary.cv,
            gini: summary.gini,
            entropy: summary.entropy,
            distinctExperts: summary.distinctExperts,
            duplicateIdRate: outcome.duplicateIdRate,
            tokensWithDuplicates: outcome.tokensWithDuplicates,
            ...(outcome.ranks ? { balancedness: outcome.ranks.balancedness } : {}),
          },
          ...(outcome.ranks ? { ranks: { epSize: outcome.ranks.epSize, placement: outcome.ranks.placement, loads: Array.from(outcome.ranks.loads) } } : {}),
          counts: Array.from(outcome.counts),
        })
        return
      }
      const params_ = describeParameters(outcome.parameters)
      const on = outcome.ranOn === options.backend ? outcome.ranOn : `${options.backend} (ran on ${outcome.ranOn})`
      const width = Math.min(output.columns, 100)
      const header = [
        `Strategy  ${wrap(`${outcome.strategy}${params_ ? ` (${params_})` : ''}`, width - 10, '').join(`\n${' '.repeat(10)}`)}`,
        `Layer     ${tokens} tokens × top-${topK} of ${experts} experts${outcome.usesLogits ? ', router logits ~ N(0,1)' : ''}`,
        `Run       seed ${String(seed)}, backend ${on}`,
        ...(backend.detail && options.backend === 'auto' ? wrap(`(auto: ${backend.detail})`, width, '          ') : []),
        ...(outcome.lastRun?.ranOn === 'reference'
          ? wrap(`(last ${outcome.lastRun.operation} handed to the reference: ${outcome.lastRun.reason})`, width, '          ')
          : []),
      ].join('\n')
      printOutcome(output, outcome, header)
    })
}
