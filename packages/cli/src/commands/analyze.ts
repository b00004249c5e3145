import type { Command } from 'commander'
import Table from 'cli-table3'
import { PLACEMENTS, type LoadSummary } from '@routesim/analysis'
import { LIMITS } from '@routesim/core'
import { TRACE_ORDERS, analyzeTrace, type BalancednessVariants, type TraceAnalysis, type TraceHints } from '@routesim/io'
import { fixed, percent, sparkline, wrap } from '../format.ts'
import { outputOf, writeJson, type CliOutput } from '../io.ts'
import { defineFlags, flagAtMost, type FlagSchema } from '../flag-schema.ts'
import { withFlagNames } from '../flag-names.ts'
import { readTraceFiles } from '../trace-files.ts'

/** `--experts`, `--layout` and `--order`: the hints `analyze` and `fit` take for files whose shape leaves them open. */
export const TRACE_HINT_FLAGS = {
  experts: {
    type: 'integer',
    min: 1,
    max: LIMITS.maxExperts,
    optional: true,
    description: "number of experts (default: the largest id + 1, or the counts' last dimension)",
  },
  layout: {
    type: 'enum',
    values: ['ids', 'counts'],
    optional: true,
    description: 'whether an unnamed array holds top-k ids or per-expert counts (default: guessed, and said so)',
  },
  order: { type: 'enum', values: TRACE_ORDERS, optional: true, description: "a 3-D ids array's layout: [layers, tokens, k] or vLLM's [tokens, layers, k]" },
} as const

/** `analyze`'s flags. */
export const ANALYZE_FLAG_SCHEMA = defineFlags('analyze', {
  ...TRACE_HINT_FLAGS,
  epSize: {
    type: 'integer',
    min: 1,
    max: LIMITS.maxEpSize,
    optional: true,
    description: 'also report balancedness over R expert-parallel ranks and what EPLB would make of it',
  },
  redundant: {
    type: 'integer',
    min: 0,
    max: LIMITS.maxReplicas,
    optional: true,
    description: 'redundant expert slots for the EPLB plan (default: one per rank)',
  },
  placement: { type: 'enum', values: PLACEMENTS, default: 'linear', description: 'expert placement over ranks without EPLB' },
  json: { type: 'boolean', optional: true, description: 'print one JSON object (with per-expert counts in total and per layer) instead of tables' },
})

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }

/** The trace hints of parsed `--experts`, `--layout` and `--order` flags. */
export function traceHints(flags: Pick<TraceHints, 'experts' | 'layout' | 'order'>): TraceHints {
  return {
    ...(flags.experts !== undefined ? { experts: flags.experts } : {}),
    ...(flags.layout !== undefined ? { layout: flags.layout } : {}),
    ...(flags.order !== undefined ? { order: flags.order } : {}),
  }
}

/** Adds `--experts`, `--layout` and `--order` to a command whose flag schema has `TRACE_HINT_FLAGS`. */
export function addTraceHintOptions(command: Command, schema: Pick<FlagSchema<typeof TRACE_HINT_FLAGS>, 'option'>): Command {
  return command
    .addOption(schema.option('experts', '-e, --experts <E>'))
    .addOption(schema.option('layout', '--layout <kind>'))
    .addOption(schema.option('order', '--order <order>'))
}

function summaryJson(s: LoadSummary): Record<string, number> {
  return {
    total: s.total,
    min: s.min,
    max: s.max,
    mean: s.mean,
    maxOverMean: s.maxOverMean,
    minOverMean: s.minOverMean,
    cv: s.cv,
    gini: s.gini,
    entropy: s.entropy,
    distinctExperts: s.distinctExperts,
  }
}

/** `analyze --json`: every number of the tables, with per-expert counts in total and per layer. */
export function analysisJson(file: string, format: string, a: TraceAnalysis): Record<string, unknown> {
  return {
    file,
    format,
    kind: a.kind,
    steps: a.steps,
    layers: a.layers,
    numExperts: a.numExperts,
    ...(a.tokens !== undefined ? { tokens: a.tokens, topK: a.topK } : {}),
    ...(a.layerIds ? { layerIds: a.layerIds } : {}),
    assumptions: a.assumptions,
    summary: summaryJson(a.total.summary),
    ...(a.balancedness ? { balancedness: a.balancedness } : {}),
    counts: Array.from(a.total.counts),
    perLayer: a.perLayer.map((l) => ({
      layer: l.layer,
      ...(a.layerIds ? { modelLayer: a.layerIds[l.layer] } : {}),
      summary: summaryJson(l.summary),
      ...(l.duplicateIdRate !== undefined ? { duplicateIdRate: l.duplicateIdRate } : {}),
      ...(l.ranks ? { balancedness: l.ranks.balancedness, rankLoads: Array.from(l.ranks.loads) } : {}),
      ...(l.eplb ? { eplb: { balancedness: l.eplb.balancedness, rankLoads: Array.from(l.eplb.rankLoads) } } : {}),
      counts: Array.from(l.counts),
    })),
  }
}

function describeShape(a: TraceAnalysis): string {
  if (a.kind === 'ids')
    return `top-${a.topK} ids of ${a.tokens} tokens × ${a.layers} layer${a.layers === 1 ? '' : 's'} × ${a.steps} step${a.steps === 1 ? '' : 's'}, ${a.numExperts} experts`
  return `per-expert counts of ${a.layers} layer${a.layers === 1 ? '' : 's'} × ${a.steps} step${a.steps === 1 ? '' : 's'}, ${a.numExperts} experts`
}

function variantRow(name: string, s: BalancednessVariants, e: BalancednessVariants, key: keyof BalancednessVariants): string[] {
  return [name, fixed(s[key], 4), fixed(e[key], 4)]
}

function printAnalysis(output: CliOutput, file: string, format: string, a: TraceAnalysis): void {
  const width = Math.min(output.columns, 100)
  const lines: string[] = [`Trace     ${file} (${format})`, `Holds     ${describeShape(a)}`]
  for (const note of a.assumptions) lines.push(...wrap(`assumed: ${note}`, width, '          '))
  lines.push('')
  const head = ['layer', 'slots', 'max÷mean', 'min÷mean', 'CV', 'Gini', 'experts used']
  if (a.kind === 'ids') head.push('dup ids')
  if (a.balancedness) head.push(`bal. EP ${a.balancedness.epSize}`, 'after EPLB')
  const table = new Table({ head, style: { head: [], border: [] }, chars: COMPACT })
  const row = (label: string, s: LoadSummary, dup?: number, bal?: number, eplb?: number): string[] => {
    const cells = [
      label,
      String(s.total),
      fixed(s.maxOverMean, 3),
      fixed(s.minOverMean, 3),
      fixed(s.cv, 3),
      fixed(s.gini, 3),
      `${s.distinctExperts}/${s.numExperts}`,
    ]
    if (a.kind === 'ids') cells.push(dup === undefined ? '' : percent(dup, 2))
    if (a.balancedness) cells.push(bal === undefined ? '' : fixed(bal, 3), eplb === undefined ? '' : fixed(eplb, 3))
    return cells
  }
  for (const l of a.perLayer) {
    const label = a.layerIds ? `${l.layer} (model ${a.layerIds[l.layer]})` : String(l.layer)
    table.push(row(label, l.summary, l.duplicateIdRate, l.ranks?.balancedness, l.eplb?.balancedness))
  }
  if (a.perLayer.length > 1) {
    const dups = a.perLayer.map((l) => l.duplicateIdRate ?? 0)
    table.push(
      row('total', a.total.summary, a.kind === 'ids' ? dups.reduce((x, y) => x + y, 0) / dups.length : undefined, a.balancedness?.static, a.balancedness?.eplb),
    )
  }
  lines.push('Per-layer load (slots routed to each expert, summed over steps)', table.toString(), '')
  const perChar = Math.max(1, Math.ceil(a.numExperts / Math.max(16, width - 12)))
  lines.push(
    `Load of every expert, all layers (${perChar} expert${perChar === 1 ? '' : 's'} per mark; ▄ = mean, █ ≥ 2× mean, · unused)`,
    `  ${sparkline(a.total.counts, perChar)}`,
    '',
  )
  if (a.balancedness) {
    const b = a.balancedness
    const t = new Table({
      head: [`balancedness, EP ${b.epSize} (mean ÷ max rank load)`, `${b.placement} layout`, `EPLB, ${b.redundantExperts} redundant`],
      style: { head: [], border: [] },
      chars: COMPACT,
    })
    const s = b.variants.static
    const e = b.variants.eplb
    t.push(
      variantRow('per-layer mean (vLLM)', s, e, 'perLayerMean'),
      variantRow('token-weighted (vLLM original)', s, e, 'tokenWeighted'),
      variantRow('(mean+ε)/(max+ε) (SGLang)', s, e, 'sglang'),
      variantRow('worst layer', s, e, 'min'),
    )
    lines.push(t.toString())
    lines.push(
      ...wrap(
        `EPLB (DeepSeek's rebalance_experts, global policy) on these counts would take the per-layer mean from ${fixed(b.static, 3)} to ${fixed(b.eplb ?? Number.NaN, 3)}.`,
        width,
      ),
    )
  } else {
    lines.push('(pass --ep-size R for balancedness over R ranks and what EPLB would do)')
  }
  output.out(`${lines.join('\n')}\n`)
}

/** `routesim analyze FILE`: the metric suite of a recorded or written routing trace. */
export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .description(
      'read a routing trace (.npy, .npz, .safetensors, .pt, .json, .jsonl, .csv; vLLM and SGLang recordings) and print its load metrics per layer and in total',
    )
    .argument(
      '<files...>',
      'trace file, or several recordings of one model (e.g. SGLang per-rank dumps) analysed together; paths are relative to the current directory',
    )
  const flag = ANALYZE_FLAG_SCHEMA.option
  addTraceHintOptions(command, ANALYZE_FLAG_SCHEMA)
    .addOption(flag('epSize', '--ep-size <R>'))
    .addOption(flag('redundant', '--redundant <N>'))
    .addOption(flag('placement', '--placement <kind>'))
    .addOption(flag('json', '--json'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  routesim analyze topk_ids.npy --ep-size 8',
        '  routesim analyze expert_distribution_recorder_1733.pt --ep-size 32 --json',
        '  routesim analyze routed_experts.npy --order tokens-layers --experts 256',
        '  routesim analyze /tmp/expert_distribution_recorder_*_*.pt  # all ranks',
      ].join('\n'),
    )
    .action((files: string[], _options: unknown, cmd: Command) => {
      const output = outputOf(cmd)
      const options = ANALYZE_FLAG_SCHEMA.parse(cmd)
      const { epSize, redundant, placement } = options
      const trace = readTraceFiles('<file>', files, traceHints(options))
      const file = files.join(', ')
      // The one bound the schema cannot state: it depends on the trace.
      flagAtMost(options, 'epSize', trace.numExperts, `at most the trace's ${trace.numExperts} experts`)
      let analysis: TraceAnalysis
      try {
        analysis = analyzeTrace(trace, {
          ...(epSize !== undefined ? { epSize } : {}),
          ...(redundant !== undefined ? { redundantExperts: redundant } : {}),
          placement,
        })
      } catch (error) {
        throw withFlagNames(error, { epSize: '--ep-size', redundantExperts: '--redundant' })
      }
      if (options.json) writeJson(output, analysisJson(file, trace.format, analysis))
      else printAnalysis(output, file, trace.format, analysis)
    })
}
