import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import Table from 'cli-table3'
import { InvalidArgumentError, LIMITS } from '@routesim/core'
import { FIT_FAMILIES, fitTrace, type FitFamily, type FitResult } from '@routesim/io'
import { fixed, percent, wrap } from '../format.ts'
import { withFlagNames } from '../flag-names.ts'
import { outputOf, writeJson, type CliOutput } from '../io.ts'
import { defineFlags, flagAtMost } from '../flag-schema.ts'
import { readTraceFiles, userPath } from '../trace-files.ts'
import { TRACE_HINT_FLAGS, addTraceHintOptions, traceHints } from './analyze.ts'

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }
const FAMILIES = Object.keys(FIT_FAMILIES) as FitFamily[]

/** `fit`'s flags. */
export const FIT_FLAG_SCHEMA = defineFlags('fit', {
  family: { type: 'enum', values: FAMILIES, default: 'zipf', description: 'strategy family to fit' },
  epSize: {
    type: 'integer',
    min: 1,
    max: LIMITS.maxEpSize,
    optional: true,
    description: 'ranks for the balancedness columns (default 8 when it divides the experts, else 1)',
  },
  topK: {
    type: 'integer',
    min: 1,
    max: LIMITS.maxTopK,
    optional: true,
    description: 'experts per token for counts-only traces (default 8; ids traces record it)',
  },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1, default: 1, description: "seed of the fit's simulations" },
  maxTokens: { type: 'integer', min: 1, max: LIMITS.maxTokens, optional: true, description: 'at most T tokens per simulated layer (default 65536)' },
  scenarioOut: { type: 'string', optional: true, description: 'write the scenario file (per-layer fitted values) here' },
  ...TRACE_HINT_FLAGS,
  json: { type: 'boolean', optional: true, description: 'print one JSON object instead of tables' },
})

/** The `routesim route` command line that routes one layer with the fitted strategy. */
export function routeCommandFor(fit: FitResult): string {
  const params = Object.entries(fit.strategy.params)
    .map(([k, v]) => ` -p ${k}=${String(v)}`)
    .join('')
  return `routesim route -s ${fit.strategy.name} -t ${fit.tokens} -e ${fit.numExperts} -k ${fit.topK}${params} --ep-size ${fit.epSize}`
}

function signed(error: number): string {
  return `${error >= 0 ? '+' : ''}${percent(error, 1)}`
}

function printFit(output: CliOutput, file: string, fit: FitResult, scenarioOut: string | undefined): void {
  const width = Math.min(output.columns, 100)
  const lines: string[] = [
    `Trace     ${file}: ${fit.perLayer.length} layer${fit.perLayer.length === 1 ? '' : 's'}, ${fit.numExperts} experts, top-${fit.topK}, EP ${fit.epSize} for balancedness`,
  ]
  for (const note of fit.assumptions) lines.push(...wrap(`assumed: ${note}`, width, '          '))
  lines.push('')
  const table = new Table({
    head: ['layer', fit.parameter, 'max÷mean trace / fit', 'Gini trace / fit', 'balancedness trace / fit', 'worst error'],
    style: { head: [], border: [] },
    chars: COMPACT,
  })
  for (const l of fit.perLayer) {
    const worst = Math.max(Math.abs(l.error.maxOverMean), Math.abs(l.error.gini), Math.abs(l.error.balancedness))
    table.push([
      String(l.layer),
      fixed(l.value, 4),
      `${fixed(l.trace.maxOverMean, 3)} / ${fixed(l.fitted.maxOverMean, 3)}`,
      `${fixed(l.trace.gini, 4)} / ${fixed(l.fitted.gini, 4)}`,
      `${fixed(l.trace.balancedness, 4)} / ${fixed(l.fitted.balancedness, 4)}`,
      signed(worst),
    ])
  }
  lines.push(`Fit of ${fit.family} per layer (the fitted strategy routes the trace's tokens; its loads sit on the trace's experts in their order of heat)`)
  lines.push(table.toString(), '')
  const params = Object.entries(fit.strategy.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
  lines.push(`Strategy  ${fit.strategy.name} (${params}): one value for every layer, fitted to their mean`)
  lines.push(`Route it  ${routeCommandFor(fit)}`)
  if (fit.scenario) {
    if (scenarioOut !== undefined) lines.push(`Scenario  per-layer values written to ${scenarioOut}; run it with: routesim simulate --scenario ${scenarioOut}`)
    else
      lines.push(
        'Scenario  per-layer values (save as a file and run `routesim simulate --scenario FILE`, or pass --scenario-out FILE):',
        JSON.stringify(fit.scenario, null, 2),
      )
  }
  output.out(`${lines.join('\n')}\n`)
}

/** `routesim fit FILE`: strategy parameters that reproduce a trace's skew. */
export function registerFitCommand(program: Command): void {
  const flag = FIT_FLAG_SCHEMA.option
  const command = program
    .command('fit')
    .description(
      "fit a strategy family's parameter to a routing trace's per-layer counts and print the strategy (and a scenario file) that reproduces its skew",
    )
    .argument('<files...>', 'trace file, or several recordings of one model fitted together; paths are relative to the current directory')
    .addOption(flag('family', '--family <name>'))
    .addOption(flag('epSize', '--ep-size <R>'))
    .addOption(flag('topK', '-k, --top-k <k>'))
    .addOption(flag('seed', '--seed <S>'))
    .addOption(flag('maxTokens', '--max-tokens <T>'))
    .addOption(flag('scenarioOut', '--scenario-out <file>'))
  addTraceHintOptions(command, FIT_FLAG_SCHEMA)
    .addOption(flag('json', '--json'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  routesim fit topk_ids.npz --scenario-out fitted.json',
        '  routesim fit expert_distribution_recorder_1733.pt --family lognormal -k 8',
      ].join('\n'),
    )
    .action((files: string[], _options: unknown, cmd: Command) => {
      const output = outputOf(cmd)
      const options = FIT_FLAG_SCHEMA.parse(cmd)
      const { family, epSize, topK, seed, maxTokens } = options
      const trace = readTraceFiles('<file>', files, traceHints(options))
      const file = files.join(', ')
      // The one bound the schema cannot state: it depends on the trace.
      flagAtMost(options, 'epSize', trace.numExperts, `at most the trace's ${trace.numExperts} experts`)
      let fit: FitResult
      try {
        fit = fitTrace(trace, {
          family,
          seed,
          ...(epSize !== undefined ? { epSize } : {}),
          ...(topK !== undefined ? { topK } : {}),
          ...(maxTokens !== undefined ? { maxTokens } : {}),
        })
      } catch (error) {
        throw withFlagNames(error, { epSize: '--ep-size', topK: '--top-k', maxTokens: '--max-tokens', family: '--family' })
      }
      if (options.scenarioOut !== undefined && fit.scenario) {
        try {
          writeFileSync(userPath(options.scenarioOut), `${JSON.stringify(fit.scenario, null, 2)}\n`)
        } catch (error) {
          throw new InvalidArgumentError({
            parameter: '--scenario-out',
            value: options.scenarioOut,
            allowed: `a writable file path (${(error as Error).message})`,
          })
        }
      }
      if (options.json) {
        writeJson(output, {
          file,
          format: trace.format,
          ...fit,
          route: routeCommandFor(fit),
          ...(options.scenarioOut !== undefined && fit.scenario ? { scenarioFile: options.scenarioOut } : {}),
        })
      } else printFit(output, file, fit, fit.scenario ? options.scenarioOut : undefined)
    })
}
