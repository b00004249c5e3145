// The test command: typecheck every package, build and lint the published packages (publint, attw),
// run every package's vitest suite (turbo, one task at a time so statistical tests are not starved
// on 2 cores), then print the totals as the last line. A failed typecheck or package check counts as
// a failure in the totals, so it can never hide behind passing tests.
import { spawnSync } from 'node:child_process'
import { rmSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'

for (const group of ['packages', 'apps', 'examples']) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) rmSync(join(group, name, '.vitest-report.json'), { force: true })
}

const turbo = (...args) => spawnSync('turbo', ['run', ...args, '--concurrency=1', '--continue'], { stdio: 'inherit' }).status
const typecheckStatus = turbo('typecheck', '--output-logs=errors-only')
const packageCheckStatus = turbo('check:package', '--output-logs=errors-only')
turbo('test')
const summary = spawnSync(process.execPath, ['scripts/test-summary.mjs'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    ROUTESIM_TYPECHECK_FAILED: typecheckStatus === 0 ? '' : '1',
    ROUTESIM_PACKAGE_CHECK_FAILED: packageCheckStatus === 0 ? '' : '1',
  },
})
process.exit(summary.status ?? 1)
