// Sum the per-package vitest JSON reports into one closing line: "N passed, N failed".
// Exits non-zero when a package failed or produced no report (e.g. it crashed before reporting).
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

let passed = 0
let failed = 0
let skipped = 0
const problems = []
for (const group of ['packages', 'apps', 'examples']) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group).sort()) {
    const dir = join(group, name)
    const manifest = join(dir, 'package.json')
    if (!existsSync(manifest)) continue
    if (!JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue
    const report = join(dir, '.vitest-report.json')
    if (!existsSync(report)) {
      problems.push(`${dir}: no test report (the test run crashed or did not start)`)
      failed += 1
      continue
    }
    const r = JSON.parse(readFileSync(report, 'utf8'))
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += r.numPendingTests + (r.numTodoTests ?? 0)
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) {
      problems.push(`${dir}: ${r.numFailedTestSuites} test file(s) failed to load`)
      failed += r.numFailedTestSuites
    }
    console.log(`${dir}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)
  }
}
if (process.env.ROUTESIM_TYPECHECK_FAILED) {
  problems.push('typecheck: at least one package failed `tsc --noEmit` (see above)')
  failed += 1
}
if (process.env.ROUTESIM_PACKAGE_CHECK_FAILED) {
  problems.push('check:package: publint or attw rejected a package (see above)')
  failed += 1
}
// Quality gates (lint, format, knip) from run-tests.mjs: one test each.
const gates = JSON.parse(process.env.ROUTESIM_GATES || '{}')
for (const [name, ok] of Object.entries(gates)) {
  if (ok) passed += 1
  else {
    problems.push(`${name}: the gate failed (see its output above; \`pnpm ${name === 'format' ? 'format:check' : name}\` reruns it)`)
    failed += 1
  }
}
if (Object.keys(gates).length)
  console.log(
    `gates: ${Object.entries(gates)
      .map(([name, ok]) => `${name} ${ok ? 'passed' : 'FAILED'}`)
      .join(', ')}`,
  )
for (const p of problems) console.log(p)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
