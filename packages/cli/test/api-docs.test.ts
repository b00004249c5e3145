import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// `pnpm docs:api` (TypeDoc over every package's sources) builds without errors, and the reference has
// a page for every published package with its exported API.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const out = mkdtempSync(join(tmpdir(), 'routesim-api-'))
afterAll(() => rmSync(out, { recursive: true, force: true }), 60_000)

function publishedPackages(): string[] {
  return readdirSync(join(repo, 'packages'))
    .map((d) => JSON.parse(readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8')) as { name: string; private?: boolean })
    .filter((p) => !p.private)
    .map((p) => p.name)
}

describe('pnpm docs:api', () => {
  it('is the root script that runs TypeDoc with the repository configuration', () => {
    const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    expect(scripts['docs:api']).toBe('typedoc')
  })

  it('builds a reference with a page per published package, and reports no errors', () => {
    const r = spawnSync(process.execPath, [join(repo, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 })
    const log = `${r.stdout}${r.stderr}`
    expect(log).not.toContain('[error]')
    expect(r.status, log).toBe(0)
    const modules = readFileSync(join(out, 'modules.html'), 'utf8')
    for (const name of publishedPackages()) expect(modules, name).toContain(`>${name}<`)
    // A few exports, each on its own page, from packages at every layer.
    const pages = ['classes', 'functions', 'interfaces'].flatMap((d) => (existsSync(join(out, d)) ? readdirSync(join(out, d)) : []))
    for (const symbol of [
      'createSimulator',
      'createPrng',
      'RoutesimError',
      'runScenario',
      'createGpuBackend',
      'createNodeWebGpu',
      'describeStrategyConformance',
    ]) {
      expect(
        pages.some((p) => p.endsWith(`.${symbol}.html`)),
        symbol,
      ).toBe(true)
    }
  }, 600_000)
})
