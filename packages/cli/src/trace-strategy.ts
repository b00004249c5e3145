import type { Command } from 'commander'
import { TRACE_ORDERS, replayDefinition } from '@routesim/io'
import type { ParametersOf } from '@routesim/core'
import type { Simulator } from '@routesim/simulator'
import { defineFlags } from './flag-schema.ts'
import { readTraceFile } from './trace-files.ts'

/**
 * The program's own flags that commands read, given before or after the command: `--trace FILE` and
 * `--trace-order`. (`--debug` is read from argv before parsing; the repeatable `--plugin` names modules.)
 */
export const GLOBAL_FLAG_SCHEMA = defineFlags('', {
  trace: {
    type: 'string',
    optional: true,
    description: "make the 'replay' strategy replay this recorded trace (.npy, .npz, .safetensors, .pt, .json, .jsonl, .csv; every command)",
  },
  traceOrder: {
    type: 'enum',
    values: TRACE_ORDERS,
    optional: true,
    description: "--trace's 3-D ids layout: [layers, tokens, k] or vLLM's [tokens, layers, k]",
  },
})

type GlobalFlags = ParametersOf<typeof GLOBAL_FLAG_SCHEMA.specs>

/** Each program's global flags, checked once before its command runs. */
const globalFlags = new WeakMap<Command, GlobalFlags>()

/** Adds `--trace` and `--trace-order` to `program`, checked by their schema (once) before any command's action runs. */
export function addGlobalFlagOptions(program: Command): Command {
  return program
    .addOption(GLOBAL_FLAG_SCHEMA.option('trace', '--trace <file>'))
    .addOption(GLOBAL_FLAG_SCHEMA.option('traceOrder', '--trace-order <order>'))
    .hook('preAction', () => checkGlobalFlags(program))
}

/**
 * Checks the program's global flags by their schema (a bad value throws the typed error naming the flag) and keeps
 * them for its command. Runs before any command's action, and after commander printed the help for a command line
 * with no command, where no hook runs.
 */
export function checkGlobalFlags(program: Command): void {
  globalFlags.set(program, GLOBAL_FLAG_SCHEMA.parse(program))
}

/** The global `--trace FILE` (and `--trace-order`) given anywhere on the command line, as checked before the command ran. */
function traceOption(command: Command): GlobalFlags {
  let program = command
  while (program.parent) program = program.parent
  const flags = globalFlags.get(program)
  if (flags === undefined) throw new Error('traceOption: the global flags were not checked (the command did not run under createProgram)')
  return flags
}

/**
 * With `--trace FILE`, registers the `replay` strategy over that trace: recorded ids layer by layer and
 * step by step (wrapping or stopping at the end), or, for a counts-only trace, ids dealt to match each
 * step's per-expert counts exactly.
 */
export function registerTraceStrategy(simulator: Simulator, command: Command): void {
  const { trace, traceOrder } = traceOption(command)
  if (trace === undefined) return
  const recorded = readTraceFile('--trace', trace, traceOrder ? { order: traceOrder } : {})
  simulator.registerStrategy('replay', replayDefinition(recorded))
}
