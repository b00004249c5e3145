// `pnpm demo` / `pnpm routesim ...`: build the CLI and the packages it uses (quietly; turbo caches),
// then run the built program with the given arguments. Build output is shown only when the build fails.
import { spawnSync } from 'node:child_process'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const windows = process.platform === 'win32'

const build = spawnSync('turbo', ['run', 'build', '--filter=routesim', '--output-logs=errors-only'], {
  cwd: root,
  encoding: 'utf8',
  shell: windows,
  // The repository's own turbo, also when this script runs outside `pnpm run`.
  env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`, TURBO_TELEMETRY_DISABLED: '1' },
})
if (build.error || build.status !== 0) {
  process.stderr.write(`Building routesim failed:\n${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? `${build.error.message}\n` : ''}`)
  process.exit(build.status || 1)
}

// Some pnpm versions pass a literal `--` through to the script; commander would read it as "no options follow".
const args = process.argv.slice(2)
if (args[0] === '--') args.shift()
// pnpm runs root scripts from the repository root; INIT_CWD is where the user typed the command, so
// relative --scenario, --json-out and --plugin paths (and plugin package names) resolve from there.
const run = spawnSync(process.execPath, [fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url)), ...args], {
  stdio: 'inherit',
  cwd: process.env.INIT_CWD || process.cwd(),
})
process.exit(run.status ?? 1)
