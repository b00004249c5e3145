import { Command, CommanderError } from 'commander'
import { RoutesimError, UnknownStrategyError } from '@routesim/core'
import { colorsFor, type Colors } from './colors.ts'
import { didYouMean } from './did-you-mean.ts'
import { stdoutColors, writesToProcess } from './io.ts'
import { collect } from './options.ts'
import { addGlobalFlagOptions, checkGlobalFlags } from './trace-strategy.ts'
import { registerDemoCommand } from './commands/demo.ts'
import { registerRouteCommand } from './commands/route.ts'
import { registerStrategiesCommand } from './commands/strategies.ts'
import { registerBenchCommand } from './commands/bench.ts'
import { registerSimulateCommand } from './commands/simulate.ts'
import { registerAnalyzeCommand } from './commands/analyze.ts'
import { registerFitCommand } from './commands/fit.ts'

/** Exit codes: 0 success, 1 an unexpected failure (a bug), 2 bad input (a typed routesim error or a usage error). */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_BAD_INPUT = 2

export interface ProgramOutput {
  writeOut?: (text: string) => void
  writeErr?: (text: string) => void
  /** Terminal width for tables and help. */
  columns?: number
  /** Colours for stderr messages (default: by the process's stderr and NO_COLOR / FORCE_COLOR). */
  colors?: Colors
  /** Colours for stdout (default: by the process's stdout, plain when writeOut is given). */
  colorsOut?: Colors
}

/** A typed error as the user reads it: the message, plus a suggestion for a mistyped strategy name. */
export function describeError(error: RoutesimError, colors: Colors): string {
  let text = `${colors.red(colors.bold('error:'))} ${error.message}`
  if (UnknownStrategyError.isInstance(error)) {
    const suggestion = didYouMean(error.strategyName, error.availableStrategies)
    if (suggestion) text += `\n${colors.yellow(`Did you mean '${suggestion}'?`)} (\`routesim strategies\` lists them all)`
  }
  return `${text}\n`
}

/**
 * The `routesim` program. Each subcommand lives in `commands/<name>.ts` and registers itself here.
 * Output goes through commander's output configuration, which every subcommand inherits, so tests
 * can run the program in-process and read what it printed.
 */
export function createProgram(output: ProgramOutput = {}): Command {
  const program = new Command('routesim')
  const writeOut = output.writeOut ?? ((text: string) => void process.stdout.write(text))
  const writeErr = output.writeErr ?? ((text: string) => void process.stderr.write(text))
  const columns = output.columns ?? (process.stdout.columns || 80)
  const colorsErr = output.colors ?? (output.writeErr ? colorsFor(undefined) : colorsFor(process.stderr))
  program
    .description('Simulate how the router of a Mixture-of-Experts model sends tokens to experts.')
    .version('0.1.0', '-V, --version')
    .option('--debug', 'show stack traces for errors')
    .option(
      '--plugin <module>',
      'register the strategies a module exports: a path or an installed package name, from the current directory (repeatable; every command)',
      collect,
    )
  // --trace and --trace-order: checked by their flag schema, once, before the command runs.
  addGlobalFlagOptions(program)
    .configureOutput({
      writeOut,
      writeErr,
      getOutHelpWidth: () => columns,
      getErrHelpWidth: () => columns,
      outputError: (text, write) => write(colorsErr.red(text)),
    })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()

  if (!output.writeOut && !output.writeErr) writesToProcess.add(program)
  stdoutColors.set(program, output.colorsOut ?? (output.writeOut ? colorsFor(undefined) : colorsFor(process.stdout)))
  registerStrategiesCommand(program)
  registerRouteCommand(program)
  registerDemoCommand(program)
  registerBenchCommand(program)
  registerSimulateCommand(program)
  registerAnalyzeCommand(program)
  registerFitCommand(program)
  return program
}

/**
 * Parses `argv` (the arguments after `routesim`), runs the command and returns the exit code.
 * Never throws: typed errors print their message, other errors print a one-line report
 * (with the stack under `--debug`).
 */
export async function runCli(argv: readonly string[], output: ProgramOutput = {}): Promise<number> {
  const program = createProgram(output)
  const writeErr = program.configureOutput().writeErr!
  const colors = output.colors ?? (output.writeErr ? colorsFor(undefined) : colorsFor(process.stderr))
  const debug = argv.includes('--debug')
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help/version text).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK
      // `routesim help [command]` asked for the help; a command line without a command gets it as a usage error.
      if (error.code === 'commander.help') {
        if (error.exitCode === 0) return EXIT_OK
        const flagError = globalFlagError(program)
        if (flagError) writeErr(describeError(flagError, colors))
      }
      return EXIT_BAD_INPUT
    }
    if (RoutesimError.isInstance(error)) {
      writeErr(describeError(error, colors))
      if (debug && error.stack) writeErr(`${error.stack}\n`)
      return EXIT_BAD_INPUT
    }
    const message = error instanceof Error ? error.message : String(error)
    writeErr(`routesim failed unexpectedly: ${message}\n`)
    writeErr(debug && error instanceof Error && error.stack ? `${error.stack}\n` : 'Run again with --debug for the stack trace.\n')
    return EXIT_FAILURE
  }
}

/** The typed error of a bad global flag (`--trace-order nope`) on a command line that ran no command, if any. */
function globalFlagError(program: Command): RoutesimError | undefined {
  try {
    checkGlobalFlags(program)
    return undefined
  } catch (error) {
    return RoutesimError.isInstance(error) ? error : undefined
  }
}
