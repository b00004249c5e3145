// Remove per-package vitest reports so the summary never counts a stale run.
import { readdirSync, rmSync, existsSync } from 'node:fs'
import { join } from 'node:path'

for (const group of ['packages', 'apps']) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) rmSync(join(group, name, '.vitest-report.json'), { force: true })
}
