import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createSimulator, resolveBackend } from '@routesim/simulator'
import { parseScenario, runScenario } from '@routesim/scenarios'
import { runRoutesim } from '../../test/run-routesim.ts'

const dir = mkdtempSync(join(tmpdir(), 'routesim-simulate-backends-'))

/** `routesim simulate … --backend <b> --json-out <file>`; returns the file's text split into the backend field and the rest. */
async function simulateOn(backend: string, extra: string[] = []): Promise<{ backend: Record<string, unknown>; rest: string }> {
  const file = join(dir, `${backend}-${extra.join('_') || 'default'}.json`)
  const args = ['simulate', '--preset', 'deepseek-v3', '--strategy', 'grouped_topk', ...extra, '--layers', '2', '--steps', '4', '--tokens', '2048']
  const run = await runRoutesim(...args, '--backend', backend, '--json-out', file, '--quiet')
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  const { backend: info, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  return { backend: info as Record<string, unknown>, rest: JSON.stringify(rest) }
}

describe('routesim simulate --backend: the same results on every backend', () => {
  it('--backend wasm and --backend reference write identical --json-out files apart from the backend field', async () => {
    const wasm = await simulateOn('wasm')
    const reference = await simulateOn('reference')
    expect(wasm.backend).toMatchObject({ requested: 'wasm', name: 'wasm', mode: 'wasm-simd' })
    expect(reference.backend).toMatchObject({ requested: 'reference', name: 'reference', mode: 'reference' })
    expect(wasm.rest).toBe(reference.rest)
    const steps = (JSON.parse(wasm.rest) as { steps: unknown[] }).steps
    expect(steps).toHaveLength(4)
  })

  it('also when the wasm kernel itself selects (sigmoid scoring with groups), not only when it hands over', async () => {
    const wasm = await simulateOn('wasm', ['-p', 'scoring=sigmoid'])
    const reference = await simulateOn('reference', ['-p', 'scoring=sigmoid'])
    expect(wasm.rest).toBe(reference.rest)
    // The same run on the library: the last top-k call ran in the wasm kernel, not on the reference (one thread:
    // the layers route through this backend object; on threads each runs its own wasm kernels).
    const simulator = createSimulator()
    const scenario = parseScenario(
      { preset: 'deepseek-v3', strategy: { name: 'grouped_topk', params: { scoring: 'sigmoid' } }, layers: 2, steps: 1, tokensPerStep: 2048, threads: 1 },
      { simulator },
    )
    const opened = await resolveBackend('wasm')
    let lastTopK: unknown
    await runScenario(scenario, { simulator, backend: opened.backend, onRoute: () => void (lastTopK = opened.backend.lastRun) })
    expect(lastTopK).toMatchObject({ operation: 'topK', ranOn: 'kernel' })
    opened.dispose()
  })
})
