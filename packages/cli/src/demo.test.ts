import { describe, expect, it } from 'vitest'
import { createSimulator } from '@routesim/simulator'
import { EXIT_BAD_INPUT, EXIT_OK } from './cli.ts'
import { DEMO_STOPS } from './commands/demo.ts'
import { runRoutesim, runRoutesimJson, widestLine } from '../test/run-routesim.ts'

const small = ['--tokens', '512']

function tableRow(stdout: string, label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`│ ${label} `))
  expect(line, `table row for ${label}`).toBeDefined()
  return line!
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim())
}

describe('routesim demo', () => {
  it('shows every registered stop of the tour, within 80 columns', async () => {
    const { code, stdout, stderr } = await runRoutesim('demo', ...small)
    expect(code).toBe(EXIT_OK)
    expect(stderr).toBe('')
    expect(widestLine(stdout)).toBeLessThanOrEqual(80) // at 80 columns
    const available = new Set(createSimulator().getAvailableStrategies())
    const shown = DEMO_STOPS.filter((s) => available.has(s.strategy))
    expect(shown.length).toBeGreaterThanOrEqual(3)
    for (const stop of shown) {
      expect(tableRow(stdout, stop.label)).toHaveLength(6)
      const flags = Object.entries(stop.params)
        .map(([k, v]) => ` --param ${k}=${String(v)}`)
        .join('')
      expect(stdout).toContain(`\n${stop.label}  (--strategy ${stop.strategy}${flags})\n`)
    }
  })

  it('ends with commands that themselves run: a route of one stop and the EPLB simulation', async () => {
    const { stdout } = await runRoutesim('demo', ...small)
    const simulate = stdout.slice(stdout.lastIndexOf('routesim simulate')).replace(/\s+/g, ' ').trim()
    const args = simulate.split(' ').slice(1)
    expect(args[0]).toBe('simulate')
    const run = await runRoutesim(...args, '--quiet', '--steps', '25', '--tokens', '256')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(EXIT_OK)
    expect(run.stdout).toContain('deployed (EPLB)')
    // spread over ranks, so EPLB has something to rebalance (on one rank balancedness is 1 before and after)
    const [before, after] = tableRow(run.stdout, 'window balancedness before → after (mean)')[1]!.split('→').map(Number.parseFloat)
    expect(after).toBeGreaterThan(before!)
  })

  it("shows the seed's duplicates next to the distinct default", async () => {
    const { stdout } = await runRoutesim('demo', ...small)
    const iid = tableRow(stdout, 'uniform i.i.d.')
    const distinct = tableRow(stdout, 'uniform distinct')
    expect(Number.parseFloat(iid[1]!)).toBeGreaterThan(3) // ≈ 10.5 % expected for E=256, k=8
    expect(distinct[1]).toBe('0.0%')
    expect(distinct[2]).toBe('256/256')
  })

  it('prints the same tour for the same seed and a different one for another seed', async () => {
    const a = await runRoutesim('demo', ...small, '--seed', '5')
    const b = await runRoutesim('demo', ...small, '--seed', '5')
    const c = await runRoutesim('demo', ...small, '--seed', '6')
    expect(a.stdout).toBe(b.stdout)
    expect(a.stdout).not.toBe(c.stdout)
  })

  it('--json gives the same numbers as the table, row by row', async () => {
    const text = await runRoutesim('demo', ...small)
    const json = await runRoutesimJson<{
      tokens: number
      rows: { label: string; duplicateIdRate: number; distinctExperts: number; maxOverMean: number; gini: number; balancedness: number; counts: number[] }[]
    }>('demo', ...small, '--json')
    expect(json.tokens).toBe(512)
    for (const row of json.rows) {
      expect(row.counts.reduce((a, b) => a + b, 0)).toBe(512 * 8)
      const cells = tableRow(text.stdout, row.label)
      expect(cells.slice(1)).toEqual([
        `${(row.duplicateIdRate * 100).toFixed(1)}%`,
        `${row.distinctExperts}/256`,
        row.maxOverMean.toFixed(2),
        row.gini.toFixed(3),
        row.balancedness.toFixed(3),
      ])
    }
  })

  it('rejects an EP size that does not divide the experts', async () => {
    const { code, stderr } = await runRoutesim('demo', ...small, '--ep-size', '48')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('epSize')
  })
})
