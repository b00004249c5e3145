import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
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
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000)

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
  return dirs.filter(
    (d) => existsSync(join(d, 'package.json')) && !(JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { private?: boolean }).private,
  )
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
  }, 600_000) // build + 15 packs + npm install: ~3 min on a quiet 2-core machine, much more under load

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

  it('route --out writes a trace (relative to the cwd) that analyze, fit and --trace replay read back', () => {
    const out = routesim('route', '-s', 'zipf', '-t', '2048', '-e', '64', '-k', '4', '-p', 'exponent=1.1', '--json', '--out', 'routing.safetensors')
    expect(out.code, out.stderr).toBe(0)
    expect(existsSync(join(project, 'routing.safetensors'))).toBe(true)
    const counts = (JSON.parse(out.stdout) as { counts: number[] }).counts
    const analysis = routesim('analyze', 'routing.safetensors', '--ep-size', '8', '--json')
    expect(analysis.code, analysis.stderr).toBe(0)
    expect((JSON.parse(analysis.stdout) as { counts: number[] }).counts).toEqual(counts)
    const fit = routesim('fit', 'routing.safetensors', '--json')
    expect(fit.code, fit.stderr).toBe(0)
    expect((JSON.parse(fit.stdout) as { strategy: { name: string } }).strategy.name).toBe('zipf')
    const replay = routesim('--trace', 'routing.safetensors', 'route', '-s', 'replay', '-t', '2048', '-e', '64', '-k', '4', '--json')
    expect((JSON.parse(replay.stdout) as { counts: number[] }).counts).toEqual(counts)
  })

  it('the plugin by name works for route, simulate and demo, and by path too', () => {
    const route = routesim('--plugin', PLUGIN, 'route', '-s', 'rank_local', '-t', '1000', '-e', '64', '-k', '4', '-p', 'epSize=8', '-p', 'rank=2', '--json')
    expect(route.stderr).toBe('')
    expect(route.code).toBe(0)
    const counts = (JSON.parse(route.stdout) as { counts: number[] }).counts
    expect(counts.slice(16, 24).reduce((a, b) => a + b, 0)).toBe(4000)

    const simulate = routesim(
      '--plugin',
      PLUGIN,
      'simulate',
      '--preset',
      'qwen3-30b-a3b',
      '--strategy',
      'rank_local',
      '--param',
      'epSize=8',
      '--ep-size',
      '8',
      '--tokens',
      '256',
      '--steps',
      '3',
      '--layers',
      '2',
      '--json',
      '--quiet',
    )
    expect(simulate.stderr).toBe('')
    expect(simulate.code).toBe(0)
    expect((JSON.parse(simulate.stdout) as { balancedness: { static: { perLayerMean: number } } }).balancedness.static.perLayerMean).toBeCloseTo(1 / 8, 10)

    const demo = routesim('--plugin', PLUGIN, 'demo', '--json', '--tokens', '256')
    expect(demo.stderr).toBe('')
    expect(demo.code).toBe(0)
    expect((JSON.parse(demo.stdout) as { rows: { strategy: string }[] }).rows.map((r) => r.strategy)).toContain('rank_local')

    const byPath = routesim('--plugin', `./node_modules/${PLUGIN}/dist/index.js`, 'strategies', 'rank_local', '--json')
    expect(byPath.code).toBe(0)
    expect(strategyNames(byPath.stdout)).toEqual(['rank_local'])
  })

  it("import('@routesim/simulator') from the tarballs loads one bundled file per package, mathjs built in", () => {
    // What keeps the import under 100 ms (docs/performance.md, "Start-up"), checked without timing
    // anything: a module-loader hook logs every file Node loads for the import.
    const dir = join(work, 'module-count')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs'\nexport async function load(url, context, next) {\n  if (url.startsWith('file:')) appendFileSync(process.env.MODULE_LOG, url + '\\n')\n  return next(url, context)\n}\n",
    )
    writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n")
    const log = join(dir, 'modules.log')
    run(process.execPath, ['--import', join(dir, 'register.mjs'), '-e', "import('@routesim/simulator')"], project, { ...userEnv(), MODULE_LOG: log })
    const files = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((u) => fileURLToPath(u).slice(join(project, 'node_modules').length + 1))
    expect(
      files.every((f) => /^@routesim\/[\w-]+\/dist\/index\.js$/.test(f)),
      files.join('\n'),
    ).toBe(true)
    expect(files).toContain('@routesim/simulator/dist/index.js')
    expect(new Set(files).size).toBe(files.length)
  })

  it('@routesim/gpu: webgpu@0.6.2 is its optional peer dependency; another version, or none, is an error naming it', () => {
    const gpuDir = join(project, 'node_modules/@routesim/gpu')
    const gpu = JSON.parse(readFileSync(join(gpuDir, 'package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>
      peerDependenciesMeta?: Record<string, { optional?: boolean }>
    }
    expect(gpu.peerDependencies?.['webgpu']).toBe('0.6.2')
    expect(gpu.peerDependenciesMeta?.['webgpu']?.optional).toBe(true)
    const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
    // gpu.js depends on webgpu@0.2.9 (a Dawn that does not load here); the peer puts 0.6.2 where @routesim/gpu finds it.
    expect(version(join(project, 'node_modules/webgpu'))).toBe('0.6.2')
    const old = join(project, 'node_modules/gpu.js/node_modules/webgpu')
    expect(version(old)).not.toBe('0.6.2')

    // Projects where @routesim/gpu finds gpu.js's old webgpu, or none: copies of the installed packages.
    const load =
      "import('@routesim/gpu/node').then((m) => m.createNodeWebGpu()).then(() => console.log('loaded'), (e) => console.log(e.code + ': ' + e.message))"
    for (const [name, webgpu] of [
      ['old-webgpu', old],
      ['no-webgpu', undefined],
    ] as const) {
      const dir = join(work, name)
      mkdirSync(join(dir, 'node_modules/@routesim'), { recursive: true })
      writeFileSync(join(dir, 'package.json'), '{"private":true,"type":"module"}\n')
      for (const pkg of ['core', 'gpu']) cpSync(join(project, 'node_modules/@routesim', pkg), join(dir, 'node_modules/@routesim', pkg), { recursive: true })
      if (webgpu) symlinkSync(webgpu, join(dir, 'node_modules/webgpu'), 'dir')
      const r = run(process.execPath, ['-e', load], dir, userEnv())
      expect(r.stdout).toMatch(/^backend_unavailable: Backend 'webgpu' is not available: WebGPU in Node needs /)
      expect(r.stdout).toContain('npm install webgpu@0.6.2')
      if (webgpu) expect(r.stdout).toContain(`but version ${version(old)} is installed`)
      else expect(r.stdout).toContain("optional peer dependency 'webgpu' (Dawn) at version 0.6.2, which is not installed")
    }
  })

  it("the CLI's and the example plugin's READMEs: their commands run from here exactly as printed", () => {
    const readme = ['packages/cli/README.md', `examples/${PLUGIN}/README.md`].map((f) => readFileSync(join(repo, f), 'utf8')).join('\n')
    const lines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split('\n'))
      .map((l) => l.replace(/ +#.*$/, ''))
      .filter((l) => l.startsWith('npx routesim '))
    expect(lines.length).toBeGreaterThanOrEqual(7)
    for (const line of lines) {
      expect(line).not.toMatch(/["'\\$`|;&]/) // no quoting: splitting on spaces is what the shell does
      const r = routesim(...line.slice('npx routesim '.length).trim().split(/ +/))
      expect(r.stderr, line).toBe('')
      expect(r.code, line).toBe(0)
      expect(r.stdout.length, line).toBeGreaterThan(0)
    }
  })

  it("the authoring guide's tsconfig builds the example plugin outside the repository, and its commands run", () => {
    const guide = readFileSync(join(repo, 'docs/writing-a-strategy.md'), 'utf8')
    const tsconfig = /`tsconfig\.build\.json`, TypeScript ≥ [\d.]+\):\n\n```jsonc\n([\s\S]*?)```/.exec(guide)?.[1]
    expect(tsconfig).toBeDefined()
    // A plugin author's folder: the guide's tsconfig, the example's sources, routesim from the tarballs.
    const plugin = join(project, 'my-plugin')
    mkdirSync(join(plugin, 'src'), { recursive: true })
    writeFileSync(join(plugin, 'tsconfig.json'), tsconfig!)
    for (const file of ['index.ts', 'rank-local.ts']) {
      writeFileSync(join(plugin, 'src', file), readFileSync(join(repo, 'examples', PLUGIN, 'src', file), 'utf8'))
    }
    run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], plugin, userEnv())
    expect(readFileSync(join(plugin, 'dist/index.js'), 'utf8')).toMatch(/from ["']\.\/rank-local\.js["']/) // .ts rewritten
    expect(existsSync(join(plugin, 'dist/rank-local.d.ts'))).toBe(true)

    // Section 5's commands, exactly as printed (a `\` continues a line); `./dist/…` paths from the plugin's folder.
    const section = guide.slice(guide.indexOf('## 5. Try it from the command line'), guide.indexOf('## 6.'))
    const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.replace(/\\\n\s*/g, '').split('\n'))
      .filter((l) => l.startsWith('routesim '))
    expect(commands.length).toBeGreaterThanOrEqual(3)
    for (const line of commands) {
      expect(line).not.toMatch(/["'\\$`|;&]/)
      const env = { ...userEnv(), NO_COLOR: '1', npm_config_yes: 'false' }
      const cwd = line.includes('./dist/') ? plugin : project
      const r = spawnSync('npx', line.split(/ +/), { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
      expect(r.stderr, line).toBe('')
      expect(r.status, line).toBe(0)
      if (/ (strategies|route) /.test(line)) expect(r.stdout, line).toContain('rank_local')
      else expect(r.stdout, line).toMatch(/per-layer mean \(vLLM\)\s*│\s*0\.1250 /) // every token on one rank of 8
    }
  })

  it("relative --scenario, --json-out and --plugin paths resolve from the user's directory (installed bin and pnpm routesim)", () => {
    const scenario = {
      preset: 'qwen3-30b-a3b',
      layers: 1,
      steps: 2,
      tokensPerStep: 64,
      strategy: { name: 'rank_local', params: { epSize: 8 } },
      parallel: { epSize: 8 },
    }
    const here = join(project, 'some', 'dir')
    mkdirSync(here, { recursive: true })
    writeFileSync(join(here, 'scenario.json'), JSON.stringify(scenario))
    const env = { ...userEnv(), NO_COLOR: '1', npm_config_yes: 'false' }
    const plugin = `../../node_modules/${PLUGIN}/dist/index.js`
    const r = spawnSync('npx', ['routesim', '--plugin', plugin, 'simulate', '--scenario', 'scenario.json', '--json-out', 'steps.json', '--quiet'], {
      cwd: here,
      env,
      encoding: 'utf8',
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect((JSON.parse(readFileSync(join(here, 'steps.json'), 'utf8')) as { steps: unknown[] }).steps).toHaveLength(2)

    // From the repository, `pnpm routesim` runs in the root, so scripts/routesim.mjs goes back to INIT_CWD.
    const inRepo = mkdtempSync(join(repo, '.routesim-cwd-'))
    try {
      writeFileSync(join(inRepo, 'scenario.json'), JSON.stringify(scenario))
      const pluginPath = relative(inRepo, join(repo, 'examples', PLUGIN, 'dist/index.js'))
      const viaPnpm = spawnSync(
        'npx',
        [...PNPM, 'routesim', '--plugin', pluginPath, 'simulate', '--scenario', 'scenario.json', '--json-out', 'steps.json', '--quiet'],
        {
          cwd: inRepo,
          env: { ...userEnv(), NO_COLOR: '1' },
          encoding: 'utf8',
        },
      )
      expect(viaPnpm.status, viaPnpm.stderr).toBe(0)
      expect((JSON.parse(readFileSync(join(inRepo, 'steps.json'), 'utf8')) as { steps: unknown[] }).steps).toHaveLength(2)
      expect(existsSync(join(repo, 'steps.json'))).toBe(false)
    } finally {
      rmSync(inRepo, { recursive: true, force: true })
    }
  })

  // A real terminal: tmux runs the installed program with stdout and stderr on one tty, so the progress
  // bar (drawn from the first update here) and the command's own lines share the screen. The screen at
  // the end must read exactly like the piped output — no bar left, no line overwritten — and the raw
  // byte stream must show that a bar was drawn. CI installs tmux; elsewhere the test is skipped without it.
  describe.skipIf(spawnSync('tmux', ['-V']).error !== undefined && process.env['CI'] !== 'true')('in a real terminal (tmux)', () => {
    const socket = `routesim-release-${process.pid}`
    afterAll(() => void spawnSync('tmux', ['-L', socket, 'kill-server']))

    /** Runs `npx routesim ...args` in a fresh 80×50 tmux window; returns the final screen and the raw bytes. */
    // 80 columns: what the piped runs lay their output out for.
    function inTerminal(name: string, args: string[]): { screen: string; raw: string } {
      const raw = join(work, `${name}.raw`)
      // The window's command waits for a key, so the byte log is attached before anything is printed.
      const command = `read _; NO_COLOR=1 ROUTESIM_PROGRESS_DELAY_MS=0 npm_config_yes=false npx routesim ${args.join(' ')}; echo __EXIT__$?; sleep 600`
      run('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '80', '-y', '50', '-c', project, command], project, userEnv())
      run('tmux', ['-L', socket, 'pipe-pane', '-o', '-t', name, `cat > ${raw}`], project)
      run('tmux', ['-L', socket, 'send-keys', '-t', name, 'Enter'], project)
      const deadline = Date.now() + 180_000
      let screen = ''
      while (Date.now() < deadline) {
        screen = run('tmux', ['-L', socket, 'capture-pane', '-p', '-J', '-S', '-', '-t', name], project).stdout
        if (/^__EXIT__\d+\s*$/m.test(screen)) break
        spawnSync('sleep', ['0.5'])
      }
      run('tmux', ['-L', socket, 'kill-session', '-t', name], project)
      return { screen, raw: readFileSync(raw, 'latin1') }
    }

    /** The screen's output lines up to the exit marker (trailing spaces trimmed, the key's blank line dropped). */
    function outputLines(screen: string): { lines: string[]; code: number } {
      const lines = screen.split('\n').map((l) => l.trimEnd())
      const end = lines.findIndex((l) => /^__EXIT__\d+$/.test(l))
      expect(end, screen).toBeGreaterThan(0)
      let start = 0
      while (start < end && lines[start] === '') start++
      return { lines: lines.slice(start, end), code: Number(lines[end]!.slice('__EXIT__'.length)) }
    }

    it('simulate: EPLB lines print above the bar and the summary table is intact', () => {
      const args = [
        'simulate',
        '--preset',
        'deepseek-v3',
        '--strategy',
        'zipf',
        '--layers',
        '4',
        '--steps',
        '100',
        '--ep-size',
        '32',
        '--eplb',
        '--eplb-interval',
        '20',
        '--eplb-window',
        '20',
        '--redundant',
        '32',
      ]
      const { screen, raw } = inTerminal('simulate', args)
      const { lines, code } = outputLines(screen)
      expect(code).toBe(0)
      expect(raw).toContain('simulating [') // the bar was drawn…
      expect(lines.join('\n')).not.toContain('simulating [') // …and is gone
      // Piped, the same run prints step lines instead of a bar; everything else must be identical.
      const piped = routesim(...args)
      expect(piped.code).toBe(0)
      const expected = piped.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => !/^step +\d+\/100 /.test(l))
      expect(lines).toEqual(expected)
      expect(lines.filter((l) => l.startsWith('  EPLB rearranged after step '))).toHaveLength(5)
    })

    it('route: a long run shows a bar, then prints the same report as piped', () => {
      const args = ['route', '-s', 'grouped_topk', '-t', '20000', '-e', '256', '-k', '8', '--ep-size', '32']
      const { screen, raw } = inTerminal('route', args)
      const { lines, code } = outputLines(screen)
      expect(code).toBe(0)
      expect(raw).toContain('router logits [')
      expect(raw).toContain('routing (grouped_topk) [')
      const piped = routesim(...args)
      expect(piped.code).toBe(0)
      expect(lines).toEqual(
        piped.stdout
          .trimEnd()
          .split('\n')
          .map((l) => l.trimEnd()),
      )
    })
  })
})
