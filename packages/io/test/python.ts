import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Debian's python3 with numpy and torch; the one on PATH may be another interpreter without them. */
export const PYTHON = '/usr/bin/python3'

function probe(modules: string): boolean {
  if (!existsSync(PYTHON)) return false
  return spawnSync(PYTHON, ['-c', `import ${modules}`], { encoding: 'utf8' }).status === 0
}

export const hasNumpy = probe('numpy')
export const hasTorch = probe('numpy, torch')
/** The `safetensors` Python package (not in Debian; .ci/run installs it from a local wheel when one is there). */
export const hasSafetensors = probe('numpy, safetensors.numpy')

/** CI sets ROUTESIM_REQUIRE_PYTHON=1, so missing numpy/torch fails there instead of skipping. */
export const pythonRequired = process.env['ROUTESIM_REQUIRE_PYTHON'] === '1'
/** .ci/run sets ROUTESIM_REQUIRE_SAFETENSORS=1 when it installed the package, so its tests cannot skip there. */
export const safetensorsRequired = process.env['ROUTESIM_REQUIRE_SAFETENSORS'] === '1'

/** Runs a Python snippet; throws with its stderr on failure, returns its stdout. */
export function python(code: string, args: string[] = []): string {
  const run = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (run.status !== 0) throw new Error(`python failed (${run.status}):\n${run.stderr}`)
  return run.stdout
}
