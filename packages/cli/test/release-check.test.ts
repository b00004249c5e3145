import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The release check: what a user gets from npm. Build, pack every publishable package (and the
// example plugin) with pnpm, install only those tarballs with npm into an empty project outside the
// repository (third-party dependencies come from the registry), and run the CLI from there.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const PNPM = ['-y', 'pnpm@12.4.2']
const PLUGIN = 'routesim-plugin-rank-local'

const work = mkdtempSync(join(tmpdir(), 'routesim-release-'))
const tarballs = join(work, 'tarballs')
const project = join(work, 'project')
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The environment a user's shell would have: none of the npm_/pnpm_ variables this test runs under. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|INIT_CWD$|TURBO_|VITEST|NODE_OPTIONS$)/i.test(k)))
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (result.error) throw result.error
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`)
  return result
}

/** `npx routesim ...` in the project; npm_config_yes=false so npx never downloads a package named routesim instead. */
function routesim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const env = { ...userEnv(), NO_COLOR: '1', npm_config_yes: 'false' }
  const r = spawnSync('npx', ['routesim', ...args], { cwd: project, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

function publishableDirs(): string[] {
  const dirs = [...readdirSync(join(repo, 'packages')).map((n) => join(repo, 'packages', n)), join(repo, 'examples', PLUGIN)]
  return dirs.filter((d) => existsSync(join(d, 'package.json')) && !(JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { private?: boolean }).private)
}

function strategyNames(stdout: string): string[] {
  return (JSON.parse(stdout) as { strategies: { name: string }[] }).strategies.map((s) => s.name)
}

describe('release check: packed tarballs installed outside the repository', () => {
  beforeAll(() => {
    run('npx', [...PNPM, 'run', 'build', '--output-logs=errors-only'], repo)
    mkdirSync(tarballs, { recursive: true })
    for (const dir of publishableDirs()) run('npx', [...PNPM, 'pack', '--pack-destination', tarballs], dir)
    mkdirSync(project, { recursive: true })
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'routesim-release-check', private: true, type: 'module' })}\n`)
    const files = readdirSync(tarballs).map((f) => join(tarballs, f))
    run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...files], project, userEnv())
  }, 240_000)

  it('packs every publishable package with its LICENSE and README, and no workspace: ranges', () => {
    const files = readdirSync(tarballs)
    expect(files.length).toBe(publishableDirs().length)
    for (const file of files) {
      const listing = execFileSync('tar', ['-tzf', join(tarballs, file)], { encoding: 'utf8' }).split('\n')
      expect(listing, file).toContain('package/LICENSE')
      expect(listing, file).toContain('package/README.md')
      const manifest = execFileSync('tar', ['-xzOf', join(tarballs, file), 'package/package.json'], { encoding: 'utf8' })
      expect(manifest, file).not.toContain('workspace:')
    }
  })

  it('npx routesim demo prints the tour', () => {
    const { code, stdout, stderr } = routesim('demo')
    expect(stderr).toBe('')
    expect(code).toBe(0)
    for (const label of ['uniform i.i.d.', 'uniform distinct', 'zipf', 'hot experts']) expect(stdout).toContain(label)
  })

  it(`npx routesim --plugin ${PLUGIN} strategies --json lists exactly one more strategy than without it`, () => {
    const without = routesim('strategies', '--json')
    const withPlugin = routesim('--plugin', PLUGIN, 'strategies', '--json')
    expect(without.code).toBe(0)
    expect(withPlugin.code).toBe(0)
    const before = strategyNames(without.stdout)
    const after = strategyNames(withPlugin.stdout)
    expect(after.length).toBe(before.length + 1)
    expect(after.filter((n) => !before.includes(n))).toEqual(['rank_local'])
  })

  it('route --json works', () => {
    const { code, stdout } = routesim('route', '--strategy', 'zipf', '--tokens', '4096', '--experts', '256', '--top-k', '8', '--ep-size', '32', '--json')
    expect(code).toBe(0)
    const out = JSON.parse(stdout) as { counts: number[]; summary: { total: number; balancedness: number } }
    expect(out.counts).toHaveLength(256)
    expect(out.summary.total).toBe(4096 * 8)
    expect(out.summary.balancedness).toBeGreaterThan(0)
  })

  it('the plugin by name works for route and simulate, and by path too', () => {
    const route = routesim('--plugin', PLUGIN, 'route', '-s', 'rank_local', '-t', '1000', '-e', '64', '-k', '4', '-p', 'epSize=8', '-p', 'rank=2', '--json')
    expect(route.stderr).toBe('')
    expect(route.code).toBe(0)
    const counts = (JSON.parse(route.stdout) as { counts: number[] }).counts
    expect(counts.slice(16, 24).reduce((a, b) => a + b, 0)).toBe(4000)

    const simulate = routesim(
      '--plugin', PLUGIN, 'simulate', '--preset', 'qwen3-30b-a3b', '--strategy', 'rank_local', '--param', 'epSize=8',
      '--ep-size', '8', '--tokens', '256', '--steps', '3', '--layers', '2', '--json', '--quiet',
    )
    expect(simulate.stderr).toBe('')
    expect(simulate.code).toBe(0)
    expect((JSON.parse(simulate.stdout) as { balancedness: { static: { perLayerMean: number } } }).balancedness.static.perLayerMean).toBeCloseTo(1 / 8, 10)

    const byPath = routesim('--plugin', `./node_modules/${PLUGIN}/dist/index.js`, 'strategies', 'rank_local', '--json')
    expect(byPath.code).toBe(0)
    expect(strategyNames(byPath.stdout)).toEqual(['rank_local'])
  })
})
