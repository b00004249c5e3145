import type { Command } from 'commander'
import { colorsFor, type Colors } from './colors.ts'

/** Colours for stdout, per program (set by createProgram; plain when absent). */
export const stdoutColors = new WeakMap<Command, Colors>()

/** Programs whose output goes to the process's own stdout/stderr (not captured by a caller). */
export const writesToProcess = new WeakSet<Command>()

/** Where a command writes. Tests swap it for buffers; the bin uses the process streams. */
export interface CliOutput {
  /** Writes to stdout (results, tables, JSON). */
  out(text: string): void
  /** Writes to stderr (progress, warnings, errors). */
  err(text: string): void
  /** Terminal width to lay tables out for. */
  readonly columns: number
  /** Colours for stdout text: plain unless stdout is a colour terminal (NO_COLOR respected). */
  readonly colors: Colors
  /** True when the output is the process's own streams, so a progress bar may be drawn on stderr. */
  readonly drawsOnTerminal: boolean
}

/**
 * The output a command should write to: the root program's commander output configuration,
 * which subcommands inherit when they are created. Command files call this instead of
 * touching `process.stdout`, so the program can run in-process in tests.
 */
export function outputOf(command: Command): CliOutput {
  const config = command.configureOutput()
  const out = config.writeOut ?? ((text: string) => void process.stdout.write(text))
  const err = config.writeErr ?? ((text: string) => void process.stderr.write(text))
  let root = command
  while (root.parent) root = root.parent
  return {
    out,
    err,
    columns: config.getOutHelpWidth?.() ?? 80,
    colors: stdoutColors.get(root) ?? colorsFor(undefined),
    drawsOnTerminal: writesToProcess.has(root),
  }
}

/** Prints a value as one line of JSON (the machine-readable output of `--json`; pipe to `jq` to read it). */
export function writeJson(output: CliOutput, value: unknown): void {
  output.out(`${JSON.stringify(value)}\n`)
}
