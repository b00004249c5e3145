#!/usr/bin/env node
// `pnpm bench:compare`: runs `routesim bench` and the PyTorch reference (shared/bench/torch_baseline.py)
// in the same run, workload by workload (torch, then routesim, so machine drift hits both alike), and
// prints the ratio routesim tokens/s ÷ torch tokens/s per workload and backend.
//
//   node scripts/bench.mjs [--backend reference,wasm] [--workloads a,b] [--reps N]
//                          [--device cpu|cuda] [--torch-threads 2] [--python /usr/bin/python3]
//                          [--torch-script PATH] [--routesim BUNDLE] [--bundle-only OUT.mjs] [--out DIR]
//
// routesim runs from a single-file esbuild bundle of packages/cli/src/bin.ts (sources resolved through the
// `@routesim/source` export condition, gpu.js inlined, `webgpu` and `gl` left external), made here
// unless `--routesim` names one made earlier (that is how the GPU machine, which has no esbuild, runs it).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const WORKLOADS = ['uniform_random', 'uniform_distinct', 'normal_routing', 'softmax_topk', 'grouped_topk', 'histogram', 'simulate_zipf']

/** Targets of issue 14 (CPU: the 2-core machine; a 16-core host aims at ≥ 3× everywhere; CUDA: simulate_zipf ≥ 2×, the routers ≥ 0.5×) and issue 3's GPU aims: ratio routesim ÷ torch each workload should reach (CPU: the 2-core machine; CUDA: the aims). */
const TARGETS = {
  cpu: { default: 3, uniform_distinct: 100, simulate_zipf: 50 },
  cuda: { uniform_distinct: 1, simulate_zipf: 2, softmax_topk: 0.5, grouped_topk: 0.5 },
}

const { values: opts } = parseArgs({
  options: {
    backend: { type: 'string', default: 'reference,wasm' },
    workloads: { type: 'string', default: WORKLOADS.join(',') },
    reps: { type: 'string', default: '7' },
    device: { type: 'string', default: 'cpu' },
    'torch-threads': { type: 'string', default: '2' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'torch-script': { type: 'string' },
    routesim: { type: 'string' },
    'bundle-only': { type: 'string' },
    out: { type: 'string' },
    // interleaved: torch then routesim per workload (fair on a shared, drifting machine);
    // batch: all torch workloads in one process, then all routesim ones (fewer start-ups, e.g. on the GPU machine).
    order: { type: 'string', default: 'interleaved' },
    // also time the memory floor (scripts/bench-floor.mjs: fresh [1M,8] output arrays, no randomness)
    floor: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (opts.help) {
  process.stdout.write(readHeader())
  process.exit(0)
}

function readHeader() {
  return `${[
    'usage: node scripts/bench.mjs [--backend reference,wasm] [--workloads a,b] [--reps N] [--device cpu|cuda]',
    '         [--torch-threads N] [--python PATH] [--torch-script PATH] [--routesim BUNDLE] [--bundle-only OUT] [--out DIR]',
  ].join('\n')}\n`
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}

/** Bundles the routesim CLI into one ESM file. */
async function bundle(outfile) {
  let esbuild
  try {
    esbuild = await import(join(root, 'packages/cli/node_modules/esbuild/lib/main.js'))
  } catch (error) {
    fail(`esbuild is needed to bundle routesim (packages/cli devDependency): ${error.message}`)
  }
  mkdirSync(dirname(outfile), { recursive: true })
  // The thread pool's worker script is bundled from the same sources first, so workers run this tree's code.
  const worker = spawnSync(process.execPath, [join(root, 'packages/simulator/scripts/build-worker.mjs')], { cwd: root, encoding: 'utf8' })
  if (worker.status !== 0) fail(`the worker script did not build: ${worker.stderr}`)
  await esbuild.build({
    entryPoints: [join(root, 'packages/cli/src/bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@routesim/source'],
    external: ['webgpu', 'gl'],
    // gpu.js is CommonJS and calls require(); give the ESM bundle a real one.
    banner: { js: "import { createRequire as __routesimCreateRequire } from 'node:module'; const require = __routesimCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  })
  return outfile
}

function jsonLines(text) {
  const records = []
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (!t.startsWith('{')) continue
    try {
      records.push(JSON.parse(t))
    } catch {
      // not a record (a log line that happens to start with a brace)
    }
  }
  return records
}

function run(command, args, label) {
  const started = Date.now()
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: process.env })
  if (result.error) fail(`${label} did not start: ${result.error.message}`)
  if (result.stderr) process.stderr.write(result.stderr)
  if (result.status !== 0) process.stderr.write(`bench: ${label} exited with ${result.status}\n`)
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '', status: result.status, seconds: (Date.now() - started) / 1000 }
}

function fmtRate(x) {
  if (!Number.isFinite(x)) return '–'
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`
  return String(Math.round(x))
}

function fmtRatio(x) {
  if (!Number.isFinite(x)) return '–'
  return x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`
}

async function main() {
  if (opts['bundle-only']) {
    const file = await bundle(resolve(opts['bundle-only']))
    process.stdout.write(`${file}\n`)
    return
  }
  const workloads = opts.workloads
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const w of workloads) if (!WORKLOADS.includes(w)) fail(`unknown workload '${w}'; known: ${WORKLOADS.join(', ')}`)
  const device = opts.device
  if (device !== 'cpu' && device !== 'cuda') fail(`--device must be cpu or cuda, not '${device}'`)
  const torchScript = resolve(opts['torch-script'] ?? join(root, '..', 'shared', 'bench', 'torch_baseline.py'))
  if (!existsSync(torchScript)) fail(`no PyTorch reference at ${torchScript} (pass --torch-script)`)
  const routesim = opts.routesim ? resolve(opts.routesim) : await bundle(join(root, 'node_modules/.cache/routesim-bench/routesim.mjs'))

  if (opts.order !== 'interleaved' && opts.order !== 'batch') fail(`--order must be interleaved or batch, not '${opts.order}'`)
  const torchRecords = []
  const ourRecords = []
  const raw = []
  const groups = opts.order === 'batch' ? [workloads.join(',')] : workloads
  for (const w of groups) {
    // Torch first, then routesim, for each workload: both see the same state of a shared machine.
    const torchArgs = [torchScript, '--device', device, '--threads', opts['torch-threads'], '--reps', opts.reps, '--only', w]
    const t = run(opts.python, torchArgs, `torch ${w}`)
    raw.push(`$ ${opts.python} ${torchArgs.join(' ')}\n${t.stdout}`)
    torchRecords.push(...jsonLines(t.stdout))
    const ourArgs = [routesim, 'bench', '--backend', opts.backend, '--workloads', w, '--reps', opts.reps]
    const r = run(process.execPath, ourArgs, `routesim ${w}`)
    raw.push(`$ node ${ourArgs.join(' ')}\n${r.stdout}${r.stderr}`)
    ourRecords.push(...jsonLines(r.stdout))
    for (const rec of [...jsonLines(t.stdout), ...jsonLines(r.stdout)]) process.stderr.write(`${JSON.stringify(rec)}\n`)
  }

  const targets = TARGETS[device]
  const header = ['workload', 'routesim impl', 'tokens', 'routesim ms', 'routesim tok/s', `torch-${device} ms`, `torch-${device} tok/s`, 'ratio', 'target']
  const rows = []
  const summary = []
  for (const w of workloads) {
    const torch = torchRecords.find((r) => r.workload === w)
    const target = targets[w] ?? targets.default
    const ours = ourRecords.filter((r) => r.workload === w)
    if (ours.length === 0)
      rows.push([
        w,
        '(none ran)',
        String(torch?.tokens ?? '–'),
        '–',
        '–',
        String(torch?.median_ms ?? '–'),
        fmtRate(torch?.tokens_per_s),
        '–',
        target === undefined ? '–' : `≥ ${target}×`,
      ])
    for (const rec of ours) {
      const ratio = torch ? rec.tokens_per_s / torch.tokens_per_s : Number.NaN
      const verdict = target !== undefined && Number.isFinite(ratio) ? (ratio >= target ? ' ✓' : ' ✗') : ''
      rows.push([
        w,
        rec.impl,
        String(rec.tokens),
        String(rec.median_ms),
        fmtRate(rec.tokens_per_s),
        String(torch?.median_ms ?? '–'),
        fmtRate(torch?.tokens_per_s),
        fmtRatio(ratio) + verdict,
        target === undefined ? '–' : `≥ ${target}×`,
      ])
      summary.push({
        workload: w,
        impl: rec.impl,
        median_ms: rec.median_ms,
        torch_median_ms: torch?.median_ms ?? null,
        ratio: Number.isFinite(ratio) ? ratio : null,
        target: target ?? null,
        timed: rec.timed ?? null,
      })
    }
  }
  let table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
  if (opts.floor) {
    const floorScript = join(dirname(fileURLToPath(import.meta.url)), 'bench-floor.mjs')
    const f = run(process.execPath, [floorScript, '--reps', opts.reps], 'memory floor')
    raw.push(`$ node ${floorScript}\n${f.stdout}`)
    const floors = jsonLines(f.stdout)
    const sampling = ['uniform_random', 'uniform_distinct', 'normal_routing'].filter((w) => workloads.includes(w))
    const fresh = floors.find((r) => r.case.startsWith('ids+weights [1M,8] fresh'))
    const threaded = floors.find((r) => r.case.includes('fresh shared, filled by'))
    table += `\n\nMemory floor (same run): ${floors.map((r) => `${r.case} ${r.median_ms} ms`).join('; ')}`
    for (const w of sampling) {
      const torch = torchRecords.find((r) => r.workload === w)
      if (torch && fresh)
        table += `\n- ${w}: torch ${torch.median_ms} ms ÷ fresh-output floor ${fresh.median_ms} ms = at most ${fmtRatio(torch.median_ms / fresh.median_ms)} for any implementation returning new arrays`
      if (torch && threaded)
        table += `\n- ${w}: torch ${torch.median_ms} ms ÷ the default path's floor (${threaded.case}) ${threaded.median_ms} ms = at most ${fmtRatio(torch.median_ms / threaded.median_ms)}`
    }
    for (const [w, prefix] of [
      ['softmax_topk', 'scan: max over logits'],
      ['histogram', 'scan: OR over ids'],
    ]) {
      const torch = torchRecords.find((r) => r.workload === w)
      const scan = floors.find((r) => r.case.startsWith(prefix))
      if (torch && scan)
        table += `\n- ${w}: torch ${torch.median_ms} ms ÷ one bare single-threaded pass over its input ${scan.median_ms} ms = at most ${fmtRatio(torch.median_ms / scan.median_ms)} from one thread`
    }
  }
  process.stdout.write(`${table}\n`)
  if (opts.out) {
    const dir = resolve(opts.out)
    mkdirSync(dir, { recursive: true })
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    writeFileSync(join(dir, `compare-${device}-${stamp}.md`), `${table}\n`)
    writeFileSync(join(dir, `compare-${device}-${stamp}.jsonl`), [...torchRecords, ...ourRecords].map((r) => JSON.stringify(r)).join('\n') + '\n')
    writeFileSync(join(dir, `compare-${device}-${stamp}.log`), raw.join('\n'))
    writeFileSync(join(dir, `compare-${device}-${stamp}.summary.json`), `${JSON.stringify(summary, null, 1)}\n`)
  }
}

await main()
