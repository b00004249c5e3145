import { InvalidArgumentError } from '@routesim/core'
import { MAX_THREADS } from '@routesim/parallel'
import { BACKEND_MODES } from '../backend.ts'
import { DEFAULT_TARGET, openDefaultTarget } from './default-target.ts'
import { openSimulatorTarget } from './simulator-target.ts'
import type { BenchTarget } from './target.ts'
import { splitList } from './workloads.ts'

/** Parses `--backend a,b`: each must be a CLI backend mode; order kept, duplicates dropped. */
export function parseTargetList(text: string | undefined): string[] {
  const names = splitList(text)
  if (names.length === 0) {
    throw new InvalidArgumentError({ parameter: '--backend', value: text ?? '', allowed: `one or more of ${BACKEND_MODES.join(', ')}` })
  }
  for (const name of names) {
    if (!(BACKEND_MODES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError({ parameter: '--backend', value: name, allowed: BACKEND_MODES.join(', ') })
    }
  }
  return [...new Set(names)]
}

/** Parses `--threads a,b`: thread counts for the default path, each in [1, MAX_THREADS]; order kept, duplicates dropped. */
export function parseThreadList(text: string | undefined): number[] {
  const items = splitList(text)
  const out: number[] = []
  for (const item of items) {
    const value = /^\d+$/.test(item) ? Number(item) : Number.NaN
    if (!(value >= 1 && value <= MAX_THREADS)) {
      throw new InvalidArgumentError({ parameter: '--threads', value: item, allowed: `comma-separated integers in [1, ${MAX_THREADS}]` })
    }
    if (!out.includes(value)) out.push(value)
  }
  if (out.length === 0)
    throw new InvalidArgumentError({ parameter: '--threads', value: text ?? '', allowed: `comma-separated integers in [1, ${MAX_THREADS}]` })
  return out
}

/** `default` (the library's default path) or `default@N` (on N threads), else a `--backend` mode. */
export async function openBenchTarget(name: string): Promise<BenchTarget> {
  if (name === DEFAULT_TARGET) return openDefaultTarget()
  if (name.startsWith(`${DEFAULT_TARGET}@`)) return openDefaultTarget(Number(name.slice(DEFAULT_TARGET.length + 1)))
  return openSimulatorTarget(name)
}
