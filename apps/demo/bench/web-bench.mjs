// The web app's benchmark (a script, not a test): builds the static site, serves it with `vite preview`
// (plain static hosting, no special headers) and drives Debian's Chromium through playwright-core.
//
//   node bench/web-bench.mjs [--runs 5] [--tokens 1048576] [--no-build] [--json out.json]
//
// It prints, as numbers:
//   1. first chart: ms from navigation start to the first Explore chart for 4096 tokens × 256 experts × top-8
//      (the page's `routesim:first-chart` mark), over fresh browser contexts (cold cache);
//   2. 1M tokens: routing set to `--tokens` from the form, as a user would; wall time, the worker's routing
//      time, how many progress updates the bar showed, and every main-thread long task (PerformanceObserver
//      'longtask') from the change until the charts were drawn;
//   3. the bundle: every file of dist/ raw and gzipped, what a default page downloads, and whether the gpu.js
//      chunk is fetched (it must be only when a gpu.js backend is picked).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { build, preview } from 'vite'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    tokens: { type: 'string', default: String(1 << 20) },
    'no-build': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
})
const RUNS = Number(args.runs)
const BIG = Number(args.tokens)
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const DIST = join(ROOT, 'dist')
const CHROMIUM = process.env.ROUTESIM_CHROMIUM ?? '/usr/bin/chromium'

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : String(x))
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`

if (!args['no-build'] || !existsSync(DIST)) await build({ root: ROOT, logLevel: 'warn', configFile: join(ROOT, 'vite.config.ts') })
const server = await preview({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', preview: { port: 0, host: '127.0.0.1', open: false } })
const base = server.resolvedUrls.local[0]
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
const load = loadavg()
console.log(
  `web bench: Chromium ${browser.version()}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${load.map((l) => l.toFixed(2)).join(' ')}, ${base}`,
)

// Long tasks are recorded from the page's first script on (buffered), each with its start time.
const OBSERVE = () => {
  window.__longTasks = []
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration })
  }).observe({ type: 'longtask', buffered: true })
}

async function fresh() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.addInitScript(OBSERVE)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(e.message))
  return { context, page, errors }
}

const rendered = (page, previous) =>
  page.waitForFunction((prev) => document.body.dataset.rendered !== undefined && document.body.dataset.rendered !== prev, previous, { timeout: 600_000 })

// 1. First chart, 4096 × 256 × top-8.
const firstChart = []
const phases = []
for (let run = 0; run < RUNS; run++) {
  const { context, page, errors } = await fresh()
  await page.goto(`${base}?strategy=zipf&tokens=4096&experts=256&top-k=8&seed=1`)
  await rendered(page)
  const marks = await page.evaluate(() =>
    Object.fromEntries(
      ['engine-ready', 'routed', 'first-chart', 'charts-drawn'].map((m) => [m, performance.getEntriesByName(`routesim:${m}`)[0]?.startTime ?? Number.NaN]),
    ),
  )
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`)
  firstChart.push(marks['first-chart'])
  phases.push(marks)
  await context.close()
}
for (const key of ['engine-ready', 'routed', 'first-chart', 'charts-drawn'])
  console.log(`  ${key.padEnd(13)} median ${ms(median(phases.map((p) => p[key])))} ms after navigation start`)
console.log(
  `first chart, 4096 tokens × 256 experts × top-8 (ms from navigation start), ${RUNS} fresh loads: ${firstChart.map(ms).join(', ')} → median ${ms(median(firstChart))}`,
)

// 2. A million tokens, set from the form after the page has loaded.
const big = []
for (let run = 0; run < Math.max(1, Math.min(RUNS, 3)); run++) {
  const { context, page, errors } = await fresh()
  await page.goto(`${base}?strategy=zipf&tokens=4096&experts=256&top-k=8&seed=1`)
  const tag = (await rendered(page), await page.evaluate(() => document.body.dataset.rendered))
  await page.evaluate(() => {
    window.__progress = []
    const bar = document.querySelector('[data-testid="route-progress"]')
    // The bar is re-created with the view: watch the panel for value changes of whichever bar is there.
    new MutationObserver((records) => {
      for (const r of records) if (r.target instanceof HTMLProgressElement) window.__progress.push(r.target.value)
    }).observe(document.getElementById('view'), { attributes: true, attributeFilter: ['value'], subtree: true })
    void bar
    window.__changedAt = performance.now()
  })
  const field = page.getByLabel('Tokens', { exact: true })
  await field.fill(String(BIG))
  await page.evaluate(() => (window.__changedAt = performance.now()))
  await field.blur()
  await rendered(page, tag)
  const out = await page.evaluate(() => {
    const after = window.__longTasks.filter((t) => t.start + t.duration >= window.__changedAt)
    return {
      wallMs: performance.now() - window.__changedAt,
      status: document.querySelector('[role=status]')?.textContent ?? '',
      progressUpdates: window.__progress.length,
      progressValues: window.__progress.slice(0, 40),
      longTasks: after.map((t) => Math.round(t.duration)),
      loadLongTasks: window.__longTasks.filter((t) => t.start + t.duration < window.__changedAt).map((t) => Math.round(t.duration)),
      max: document.querySelector('[data-metric="max"]')?.getAttribute('data-value'),
      // Main-thread time of each chart of the last routing (user timing measures the page records).
      charts: performance
        .getEntriesByType('measure')
        .filter((m) => m.name.startsWith('routesim:chart-') && m.startTime >= window.__changedAt)
        .map((m) => Math.round(m.duration)),
    }
  })
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`)
  const routeMs = Number(/in (\d+) ms/.exec(out.status)?.[1] ?? Number.NaN)
  big.push({ ...out, routeMs })
  console.log(
    `  run ${run + 1}: ${BIG.toLocaleString('en')} tokens: ${ms(out.wallMs)} ms from the change to the charts (worker routing ${ms(routeMs)} ms), ` +
      `${out.progressUpdates} progress-bar updates, long tasks after the change: [${out.longTasks.join(', ')}] ms (page load: [${out.loadLongTasks.join(', ')}] ms), ` +
      `main-thread ms per chart: [${out.charts.join(', ')}]`,
  )
  await context.close()
}
let scenarioRun
const maxLong = big.map((b) => Math.max(0, ...b.longTasks))
console.log(
  `${BIG.toLocaleString('en')} tokens: median ${ms(median(big.map((b) => b.wallMs)))} ms to the charts, worker routing median ${ms(median(big.map((b) => b.routeMs)))} ms, ` +
    `longest main-thread task per run ${maxLong.join(', ')} ms (limit 100), progress updates per run ${big.map((b) => b.progressUpdates).join(', ')}`,
)

// 2b. A scenario running (the page redraws its charts as steps arrive): main-thread long tasks meanwhile.
{
  const { context, page, errors } = await fresh()
  await page.goto(`${base}?view=scenario`)
  await page.getByRole('button', { name: 'Run scenario' }).waitFor()
  const steps = page.getByLabel('Steps', { exact: true })
  await steps.fill('300')
  await steps.blur()
  await page.evaluate(() => (window.__changedAt = performance.now()))
  await page.getByRole('button', { name: 'Run scenario' }).click()
  await page.waitForFunction(() => document.body.dataset.rendered === 's300', undefined, { timeout: 600_000 })
  const out = await page.evaluate(() => ({
    wallMs: performance.now() - window.__changedAt,
    longTasks: window.__longTasks.filter((t) => t.start + t.duration >= window.__changedAt).map((t) => Math.round(t.duration)),
  }))
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`)
  console.log(
    `\nscenario (deepseek-v3 preset, 4 layers × 4096 tokens × 300 steps, EPLB on, charts redrawn as steps arrive): ${ms(out.wallMs)} ms; main-thread long tasks meanwhile: [${out.longTasks.join(', ')}] ms`,
  )
  scenarioRun = out
  await context.close()
}

// 3. Bundle sizes, and which files a page fetches.
const files = readdirSync(join(DIST, 'assets')).map((f) => {
  const bytes = readFileSync(join(DIST, 'assets', f))
  return { file: f, bytes: statSync(join(DIST, 'assets', f)).size, gzip: gzipSync(bytes, { level: 9 }).length }
})
async function fetched(query) {
  const { context, page } = await fresh()
  const urls = new Set()
  page.on('request', (r) => urls.add(new URL(r.url()).pathname.split('/').pop()))
  await page.goto(`${base}${query}`)
  await rendered(page)
  await context.close()
  return files.filter((f) => urls.has(f.file))
}
const plain = await fetched('?strategy=grouped_topk&tokens=4096&experts=256&top-k=8&seed=1')
const gpu = await fetched('?strategy=grouped_topk&tokens=4096&experts=256&top-k=8&seed=1&backend=cpu')
const gpuChunk = files.filter((f) => /gpu-browser/.test(f.file))
const sum = (fs, key) => fs.reduce((a, f) => a + f[key], 0)
console.log('\nbundle (dist/assets):')
for (const f of files.sort((a, b) => b.bytes - a.bytes))
  console.log(`  ${f.file.padEnd(48)} ${kib(f.bytes).padStart(11)}  gzip ${kib(f.gzip).padStart(10)}${plain.includes(f) ? '  (default page)' : ''}`)
console.log(
  `  total ${kib(sum(files, 'bytes'))} (gzip ${kib(sum(files, 'gzip'))}); a default page fetches ${kib(sum(plain, 'bytes'))} (gzip ${kib(sum(plain, 'gzip'))})`,
)
console.log(
  `  gpu.js chunk ${gpuChunk.map((f) => f.file).join(', ')}: fetched by the default page: ${plain.some((f) => gpuChunk.includes(f)) ? 'YES' : 'no'}; fetched with backend=cpu (gpu.js): ${gpu.some((f) => gpuChunk.includes(f)) ? 'yes' : 'NO'}`,
)

await browser.close()
await new Promise((ok) => server.httpServer.close(ok))
if (args.json) {
  writeFileSync(
    args.json,
    `${JSON.stringify({ chromium: browser.version(), loadavg: load, firstChart, phases, big, scenario: scenarioRun, files, defaultPage: plain.map((f) => f.file), gpuPage: gpu.map((f) => f.file) }, null, 2)}\n`,
  )
}
