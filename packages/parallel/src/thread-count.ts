import { InvalidArgumentError } from '@routesim/core'
import { nodeBuiltin } from './node-builtin.ts'

/** Upper bound on threads: more workers than this only add start-up time and memory. */
export const MAX_THREADS = 256

interface NodeLikeProcess {
  readonly env?: Record<string, string | undefined>
}

function nodeProcess(): NodeLikeProcess | undefined {
  const p = (globalThis as { process?: NodeLikeProcess }).process
  return typeof p === 'object' && p !== null ? p : undefined
}

/** Cores this engine reports: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers, else 1. */
export function availableCores(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os')
  const fromOs = os?.availableParallelism?.()
  if (typeof fromOs === 'number' && fromOs >= 1) return Math.min(MAX_THREADS, Math.floor(fromOs))
  const fromNavigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency
  if (typeof fromNavigator === 'number' && fromNavigator >= 1) return Math.min(MAX_THREADS, Math.floor(fromNavigator))
  return 1
}

function checkThreads(parameter: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new InvalidArgumentError({ parameter, value, allowed: `an integer in [1, ${MAX_THREADS}]` })
  }
  return value
}

/**
 * Threads to use: the `threads` option when given, else the `ROUTESIM_THREADS` environment variable
 * (Node), else every available core. 1 means everything runs on the calling thread.
 */
export function resolveThreadCount(threads?: number): number {
  if (threads !== undefined) return checkThreads('threads', threads)
  const fromEnv = nodeProcess()?.env?.ROUTESIM_THREADS
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const text = fromEnv.trim()
    return checkThreads('ROUTESIM_THREADS', /^\d+$/.test(text) ? Number(text) : text)
  }
  return availableCores()
}
