import type { Command } from 'commander'
import { replayDefinition } from '@routesim/io'
import type { Simulator } from '@routesim/simulator'
import { readTraceFile } from './trace-files.ts'

/** The global `--trace FILE` (and `--trace-order`) given anywhere on the command line. */
export function traceOption(command: Command): { trace?: string; traceOrder?: 'layers-tokens' | 'tokens-layers' } {
  return command.optsWithGlobals() as { trace?: string; traceOrder?: 'layers-tokens' | 'tokens-layers' }
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
