import { InvalidArgumentError } from '@routesim/core'
import { BACKEND_MODES } from '../backend.ts'
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

export function openBenchTarget(name: string): Promise<BenchTarget> {
  return openSimulatorTarget(name)
}
