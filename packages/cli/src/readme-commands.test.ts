import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { EXIT_OK } from './cli.ts'
import { runRoutesim, runRoutesimJson } from '../test/run-routesim.ts'

// Every `routesim` command line the README prints, run exactly as printed (the words after
// `pnpm routesim`, which is `node scripts/routesim.mjs`: build, then run this program).
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const readme = readFileSync(join(repo, 'README.md'), 'utf8')
const lines = [...readme.matchAll(/```sh\n([^`]*)```/g)].flatMap((m) => m[1]!.split('\n')).filter((line) => line.startsWith('pnpm routesim '))

function argv(line: string): string[] {
  // The README's lines use no quoting, so splitting on spaces is what a shell does with them.
  expect(line).not.toMatch(/["'\\$`|;&]/)
  return line.slice('pnpm routesim '.length).trim().split(/ +/)
}

describe('README routesim commands', () => {
  it('pnpm routesim is the root script that runs this CLI', () => {
    const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    expect(scripts['routesim']).toBe('node scripts/routesim.mjs')
    expect(lines.length).toBeGreaterThanOrEqual(4)
  })

  for (const line of lines) {
    it(`runs as printed: ${line}`, async () => {
      const { code, stdout, stderr } = await runRoutesim(...argv(line))
      expect(stderr).toBe('')
      expect(code).toBe(EXIT_OK)
      expect(stdout.length).toBeGreaterThan(0)
    })
  }

  it('the simulate example shows EPLB improving balancedness (deployed well above static)', async () => {
    const line = lines.find((l) => l.startsWith('pnpm routesim simulate '))!
    const summary = await runRoutesimJson<{
      epSize: number
      eplb: { rebalances: number }
      balancedness: { static: { perLayerMean: number }; deployed: { perLayerMean: number } }
    }>(...argv(line), '--json')
    expect(summary.epSize).toBeGreaterThan(1)
    expect(summary.eplb.rebalances).toBeGreaterThan(0)
    expect(summary.balancedness.deployed.perLayerMean).toBeGreaterThan(summary.balancedness.static.perLayerMean + 0.3)
    // And the printed table (the line exactly as printed) shows the same two numbers.
    const printed = await runRoutesim(...argv(line))
    const row = /per-layer mean \(vLLM\)\s*│\s*([\d.]+)\s*│\s*([\d.]+)/.exec(printed.stdout)
    expect(row).not.toBeNull()
    expect(Number(row![2])).toBeGreaterThan(Number(row![1]) + 0.3)
  })
})
