import type { Command } from 'commander'
import type { ParameterSpec, StrategyDefinition } from '@routesim/core'
import { padEnd, wrap } from '../format.ts'
import { outputOf, writeJson } from '../io.ts'
import { createCliSimulator } from '../plugins.ts'

/** `type` as a reader wants it: enums list their values, numbers their range. */
export function describeType(spec: ParameterSpec): string {
  if (spec.type === 'enum') return (spec.values ?? []).join(' | ')
  if (spec.type !== 'number' && spec.type !== 'integer' && spec.type !== 'number[]') return spec.type
  if (spec.min === undefined && spec.max === undefined) return spec.type
  const lo = spec.min === undefined ? '(-∞' : `${spec.exclusiveMin ? '(' : '['}${spec.min}`
  const hi = spec.max === undefined ? '∞)' : `${spec.max}${spec.exclusiveMax ? ')' : ']'}`
  return `${spec.type} ${lo},${hi}`
}

export function describeDefault(spec: ParameterSpec): string {
  if (spec.default === undefined) return spec.optional ? '(none)' : '(required)'
  return Array.isArray(spec.default) ? `[${spec.default.join(',')}]` : String(spec.default)
}

function toJson(definition: StrategyDefinition) {
  return {
    name: definition.name,
    description: definition.description,
    usesLogits: definition.usesLogits === true,
    ...(definition.source === undefined ? {} : { source: definition.source }),
    ...(definition.formula === undefined ? {} : { formula: definition.formula }),
    parameters: Object.entries(definition.parameters).map(([name, spec]) => ({
      name,
      type: spec.type,
      ...(spec.default === undefined ? {} : { default: spec.default }),
      ...(spec.values === undefined ? {} : { values: spec.values }),
      ...(spec.min === undefined ? {} : { min: spec.min, exclusiveMin: spec.exclusiveMin === true }),
      ...(spec.max === undefined ? {} : { max: spec.max, exclusiveMax: spec.exclusiveMax === true }),
      optional: spec.optional === true,
      description: spec.description,
    })),
  }
}

function toText(definitions: readonly StrategyDefinition[], width: number, detailed: boolean): string {
  const lines = detailed ? [] : [`${definitions.length} strategies. Set parameters with: routesim route --param name=value`, '']
  for (const d of definitions) {
    lines.push(`${d.name}${d.usesLogits ? '  [uses logits]' : ''}`)
    lines.push(...wrap(d.description, width, '    '))
    if (detailed && d.formula) lines.push(...wrap(`Formula: ${d.formula}`, width, '    '))
    if (detailed && d.source) lines.push(...wrap(`Source: ${d.source}`, width, '    '))
    const entries = Object.entries(d.parameters)
    if (entries.length === 0) lines.push('    (no parameters)')
    const nameWidth = Math.max(0, ...entries.map(([n]) => n.length))
    const indent = ' '.repeat(4 + nameWidth + 2)
    for (const [name, spec] of entries) {
      const typeLines = wrap(`${describeType(spec)} = ${describeDefault(spec)}`, width, indent)
      lines.push(`    ${padEnd(name, nameWidth)}  ${typeLines[0]!.slice(indent.length)}`, ...typeLines.slice(1))
      lines.push(...wrap(spec.description, width, indent))
    }
    lines.push('')
  }
  return lines.join('\n')
}

/** `routesim strategies`: every registered strategy with its description and parameters. */
export function registerStrategiesCommand(program: Command): void {
  program
    .command('strategies')
    .description('list the registered routing strategies with their parameters (name some for formula and source)')
    .argument('[names...]', 'only these strategies, with their formula and source')
    .option('--json', 'print one JSON object instead of text')
    .action(async (names: string[], options: { json?: boolean }, command: Command) => {
      const output = outputOf(command)
      const { simulator } = await createCliSimulator(command, 0)
      const selected = names.length ? names : simulator.getAvailableStrategies()
      const definitions = selected.map((name) => simulator.describeStrategy(name))
      if (options.json) writeJson(output, { strategies: definitions.map(toJson) })
      else output.out(toText(definitions, Math.min(output.columns, 100), names.length > 0))
    })
}
