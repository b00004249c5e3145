import { describe, expect, it } from 'vitest'
import { createSimulator } from '@routesim/simulator'
import { EXIT_BAD_INPUT, EXIT_OK } from './cli.ts'
import { runRoutesim, runRoutesimJson, widestLine } from '../test/run-routesim.ts'

interface StrategiesJson {
  strategies: {
    name: string
    description: string
    usesLogits: boolean
    parameters: { name: string; type: string; default?: unknown; optional: boolean; description: string }[]
  }[]
}

describe('routesim strategies', () => {
  it('--json lists every registered strategy, in registry order, with its parameters and defaults', async () => {
    const json = await runRoutesimJson<StrategiesJson>('strategies', '--json')
    const simulator = createSimulator()
    const names = simulator.getAvailableStrategies()
    expect(json.strategies.map((s) => s.name)).toEqual(names)
    expect(names.slice(0, 2)).toEqual(['uniform_random', 'normal_routing'])
    for (const entry of json.strategies) {
      const definition = simulator.describeStrategy(entry.name)
      expect(entry.description).toBe(definition.description)
      expect(entry.description.length).toBeGreaterThan(0)
      expect(entry.parameters.map((p) => p.name)).toEqual(Object.keys(definition.parameters))
      for (const p of entry.parameters) {
        const spec = definition.parameters[p.name]!
        expect(p.type).toBe(spec.type)
        expect(p.default).toEqual(spec.default)
      }
    }
    const normal = json.strategies.find((s) => s.name === 'normal_routing')!
    expect(normal.parameters.find((p) => p.name === 'std')).toMatchObject({ type: 'number', default: 1 })
  })

  it('lists every strategy compactly, one line each, within the terminal width', async () => {
    const { code, stdout } = await runRoutesim('strategies')
    expect(code).toBe(EXIT_OK)
    const simulator = createSimulator()
    const names = simulator.getAvailableStrategies()
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toContain(`${names.length} strategies (routesim strategies NAME shows parameters`)
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(names)
    expect(lines).toHaveLength(names.length + 2)
    expect(widestLine(stdout)).toBeLessThanOrEqual(80)
  })

  it('strategies NAME prints the description and a line per parameter', async () => {
    const { code, stdout } = await runRoutesim('strategies', 'normal_routing')
    expect(code).toBe(EXIT_OK)
    expect(stdout).toMatch(/^\s+mean\s+number.* = 0$/m)
    expect(stdout).toMatch(/^\s+std\s+number.* = 1$/m)
    expect(widestLine(stdout)).toBeLessThanOrEqual(80)
  })

  it('describes named strategies with their formula and source, and rejects unknown names', async () => {
    const { code, stdout } = await runRoutesim('strategies', 'normal_routing', 'ZIPF')
    expect(code).toBe(EXIT_OK)
    const simulator = createSimulator()
    expect(stdout).toMatch(/^normal_routing$/m)
    expect(stdout).toMatch(/^zipf$/m)
    expect(stdout).not.toMatch(/^uniform_random/m)
    expect(stdout.replace(/\s+/g, ' ')).toContain(`Formula: ${simulator.describeStrategy('normal_routing').formula}`)
    const bad = await runRoutesim('strategies', 'zipff')
    expect(bad.code).toBe(EXIT_BAD_INPUT)
    expect(bad.stderr).toContain('Unknown routing strategy: zipff')
    expect(bad.stderr).toContain("Did you mean 'zipf'?")
  })
})
