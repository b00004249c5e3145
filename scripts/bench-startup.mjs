#!/usr/bin/env node
// Start-up time as a user sees it: whole processes, spawned again and again, compared with a bare
// `node -e 0` in the same run (hyperfine's method). Needs the built packages (`pnpm build`).
//
//   node scripts/bench-startup.mjs [--runs 30] [--warmup 3]
//
// Commands run from packages/cli, where `@routesim/*` resolve as they do for a user of the tarballs
// (the `default` condition: the built dist, not the TypeScript sources).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' } } })
const runs = Number(values.runs)
const warmup = Number(values.warmup)
const cwd = fileURLToPath(new URL('../packages/cli/', import.meta.url))
if (!existsSync(new URL('../packages/simulator/dist/index.js', import.meta.url)) || !existsSync(new URL('../packages/cli/dist/bin.js', import.meta.url))) {
  console.error('bench-startup: build first (pnpm build)')
  process.exit(1)
}

const commands = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ['node -e "import(\'@routesim/core\')"', ['-e', "import('@routesim/core')"]],
  ['node -e "import(\'@routesim/simulator\')"', ['-e', "import('@routesim/simulator')"]],
  ['node -e "import(\'@routesim/scenarios\')"', ['-e', "import('@routesim/scenarios')"]],
  ['routesim --help', ['dist/bin.js', '--help']],
]

// CPU time (user + system) of each process as well, through GNU time where it exists: on a busy
// shared machine wall time mostly measures the queue for a core, CPU time much less so.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
const scratch = mkdtempSync(join(tmpdir(), 'routesim-startup-'))
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }))

function once(args) {
  const cpuFile = join(scratch, 'cpu')
  const [file, argv] = gnuTime ? [gnuTime, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args]] : [process.execPath, args]
  const t = process.hrtime.bigint()
  const r = spawnSync(file, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  const wall = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  const cpu = gnuTime
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split(/\s+/)
        .reduce((a, b) => a + Number(b) * 1000, 0)
    : NaN
  return { wall, cpu }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return { min: s[0], median: q(0.5), mean: s.reduce((a, b) => a + b, 0) / s.length, p90: q(0.9) }
}

for (let i = 0; i < warmup; i++) for (const [, args] of commands) once(args)
const times = commands.map(() => [])
const cpuTimes = commands.map(() => [])
// Interleaved, so a burst of load on a shared machine hits every command alike.
for (let i = 0; i < runs; i++)
  commands.forEach(([, args], c) => {
    const { wall, cpu } = once(args)
    times[c].push(wall)
    cpuTimes[c].push(cpu)
  })

const baseline = stats(times[0])
console.log(
  `node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${runs} runs each, interleaved`,
)
console.log(
  `${'wall time of the whole process'.padEnd(44)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'mean'.padStart(8)} ${'p90'.padStart(8)}   median − baseline   CPU (user+sys) mean`,
)
const cpuBaseline = stats(cpuTimes[0])
commands.forEach(([label], c) => {
  const s = stats(times[c])
  const cpu = stats(cpuTimes[c])
  const f = (x) => `${x.toFixed(1)} ms`.padStart(8)
  const delta = c === 0 ? ''.padEnd(17) : `+${(s.median - baseline.median).toFixed(1)} ms`.padEnd(17)
  const cpuText = Number.isNaN(cpu.mean) ? 'n/a' : `${cpu.mean.toFixed(1)} ms${c === 0 ? '' : ` (+${(cpu.mean - cpuBaseline.mean).toFixed(1)} ms)`}`
  console.log(`${label.padEnd(44)} ${f(s.min)} ${f(s.median)} ${f(s.mean)} ${f(s.p90)}   ${delta}   ${cpuText}`)
})
