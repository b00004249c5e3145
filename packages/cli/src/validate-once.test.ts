import { parameterValidator } from '@routesim/core'
import { groupedTopKDefinition } from '@routesim/routers'
import { zipfDefinition } from '@routesim/strategies'
import { describe, expect, it, vi } from 'vitest'
import { EXIT_OK } from './cli.ts'
import { runRoutesim } from '../test/run-routesim.ts'

// The CLI parses `--param key=value` text into values, and the parameters are then checked exactly
// once, by the strategy's schema (one shared validator per frozen spec set), however many layers
// (CLI → simulator registry → definition → strategy, or scenario → every layer) they pass through.
describe('each parameter is validated exactly once per call on the CLI path', () => {
  it('routesim route --param checks the strategy parameters once', async () => {
    const check = vi.spyOn(parameterValidator(zipfDefinition.parameters), 'check')
    const run = await runRoutesim(
      'route',
      '--strategy',
      'zipf',
      '--param',
      'exponent=1.5',
      '--param',
      'layout=identity',
      '-t',
      '64',
      '-e',
      '16',
      '-k',
      '2',
      '--json',
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(EXIT_OK)
    expect(JSON.parse(run.stdout).parameters).toMatchObject({ exponent: 1.5, layout: 'identity' })
    expect(check).toHaveBeenCalledTimes(1)
  })

  it('routesim simulate --param checks the strategy parameters once for every layer and step', async () => {
    const check = vi.spyOn(parameterValidator(groupedTopKDefinition.parameters), 'check')
    const run = await runRoutesim(
      'simulate',
      '--preset',
      'deepseek-v3',
      '--strategy',
      'grouped_topk',
      '--param',
      'variant=hf',
      '--layers',
      '3',
      '--steps',
      '2',
      '--tokens',
      '32',
      '--json',
      '--quiet',
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(EXIT_OK)
    expect(check).toHaveBeenCalledTimes(1)
  })
})
