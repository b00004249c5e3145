import type { Command } from 'commander'
import type { ParameterSpec, StrategyDefinition } from '@routesim/core'
import type { Colors } from '../colors.ts'
import { padEnd, wrap } from '../format.ts'
import { outputOf, writeJson } from '../io.ts'
import { createCliSimulator } from '../plugins.ts'
import { defineFlags } from '../flag-schema.ts'

/** `strategies`' flags. */
export const STRATEGIES_FLAG_SCHEMA = defineFlags('strategies', {
  json: { type: 'boolean', optional: true, description: 'print one JSON object instead of text' },
})

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

/** One line per strategy: the name, then as much of the description as fits the width. */
function toCompactText(definitions: readonly StrategyDefinition[], width: number, colors: Colors): string {
  const nameWidth = Math.max(...definitions.map((d) => d.name.length))
  const lines = [`${definitions.length} strategies (${colors.bold('routesim strategies NAME')} shows parameters, formula and source):`, '']
  for (const d of definitions) {
    const room = Math.max(10, width - nameWidth - 2)
    const text = d.description.length > room ? `${d.description.slice(0, room - 1).trimEnd()}…` : d.description
    lines.push(`${colors.cyan(padEnd(d.name, nameWidth))}  ${text}`)
  }
  return `${lines.join('\n')}\n`
}

function toText(definitions: readonly StrategyDefinition[], width: number, colors: Colors): string {
  const lines: string[] = []
  for (const d of definitions) {
    lines.push(`${colors.cyan(colors.bold(d.name))}${d.usesLogits ? '  [uses logits]' : ''}`)
    lines.push(...wrap(d.description, width, '    '))
    if (d.formula) lines.push(...wrap(`Formula: ${d.formula}`, width, '    '))
    if (d.source) lines.push(...wrap(`Source: ${d.source}`, width, '    '))
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
    .description('list the registered routing strategies, one line each (name some for their parameters, formula and source)')
    .argument('[names...]', 'show these strategies in full: parameters with types, ranges and defaults, formula, source')
    .addOption(STRATEGIES_FLAG_SCHEMA.option('json', '--json'))
    .action(async (names: string[], _options: unknown, command: Command) => {
      const output = outputOf(command)
      const options = STRATEGIES_FLAG_SCHEMA.parse(command)
      const { simulator } = await createCliSimulator(command, 0)
      const selected = names.length ? names : simulator.getAvailableStrategies()
      const definitions = selected.map((name) => simulator.describeStrategy(name))
      if (options.json) writeJson(output, { strategies: definitions.map(toJson) })
      else if (names.length > 0) output.out(toText(definitions, Math.min(output.columns, 100), output.colors))
      else output.out(toCompactText(definitions, Math.min(output.columns, 100), output.colors))
    })
}
