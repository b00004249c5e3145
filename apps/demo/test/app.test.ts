import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { balancedness, rankLoads, sglangUtilization } from '@routesim/analysis'
import { chromium, type Browser, type Page } from 'playwright-core'
import { createSimulator } from '@routesim/simulator'
import { runCli } from 'routesim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { int32Digest } from '../src/engine/route-layer.ts'
import { ARTEFACTS, CHROMIUM, DIST, PYTHON, buildApp, chromiumAvailable, numpyAvailable, serveStatic } from './browser-harness.ts'

const hasChromium = chromiumAvailable()
const hasNumpy = await numpyAvailable()

async function cliJson(args: string[]): Promise<Record<string, any>> {
  let out = ''
  let err = ''
  const code = await runCli([...args, '--json'], { writeOut: (t) => (out += t), writeErr: (t) => (err += t) })
  expect(err).toBe('')
  expect(code).toBe(0)
  return JSON.parse(out)
}

describe.skipIf(!hasChromium)('the web app in Chromium (vite build, plain static server)', () => {
  let browser: Browser
  let server: Server
  let base: string
  let tmp: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    await buildApp()
    ;({ url: base, server } = await serveStatic(DIST))
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader'] })
    mkdirSync(ARTEFACTS, { recursive: true })
    tmp = mkdtempSync(join(tmpdir(), 'routesim-web-'))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    server?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  async function open(query: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport, acceptDownloads: true })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    const page = await context.newPage()
    page.on('close', () => void context.close().catch(() => undefined))
    page.on('pageerror', (e) => pageErrors.push(`${query}: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`${query}: console: ${m.text()}`)
    })
    await page.goto(`${base}${query}`)
    return page
  }

  /** Waits until the active view has drawn (views set body[data-rendered] when their charts are in). */
  async function rendered(page: Page, previous?: string): Promise<string> {
    await page.waitForFunction((prev) => document.body.dataset['rendered'] !== undefined && document.body.dataset['rendered'] !== prev, previous, {
      timeout: 60_000,
    })
    return (await page.evaluate(() => document.body.dataset['rendered']))!
  }

  const metric = (page: Page, key: string) => page.getAttribute(`[data-metric="${key}"]`, 'data-value')

  it('shows the same routing for the README URL as `routesim route --json` with the same arguments', async () => {
    const page = await open('?strategy=zipf&tokens=4096&experts=256&top-k=8&seed=1&exponent=1.2')
    await rendered(page)
    const cli = await cliJson(['route', '--strategy', 'zipf', '--tokens', '4096', '--experts', '256', '--top-k', '8', '--seed', '1', '-p', 'exponent=1.2'])
    expect(await metric(page, 'max')).toBe(String(cli['summary'].max))
    expect(await metric(page, 'mean')).toBe(String(cli['summary'].mean))
    expect(await metric(page, 'gini')).toBe(String(cli['summary'].gini))
    expect(await metric(page, 'countsDigest')).toBe(int32Digest(Int32Array.from(cli['counts'] as number[])))
    // The balancedness variants, from the CLI's counts through @routesim/analysis (the page's default EP size is 32).
    const counts = Int32Array.from(cli['counts'] as number[])
    expect(Number(await metric(page, 'balancedness'))).toBe(balancedness(rankLoads(counts, 32)))
    expect(Number(await metric(page, 'balancednessRoundRobin'))).toBe(balancedness(rankLoads(counts, 32, 'round_robin')))
    expect(Number(await metric(page, 'sglangUtilization'))).toBe(sglangUtilization(rankLoads(counts, 32)))
    expect(await page.textContent('[data-testid="ran-on"]')).toMatch(/^wasm|^reference/)
    expect(await page.locator('[data-testid="explore-results"] svg').count()).toBeGreaterThanOrEqual(4)
    expect(await page.locator('[data-testid="explore-results"] svg image').count()).toBeGreaterThanOrEqual(1) // the heatmap raster
    await page.screenshot({ path: join(ARTEFACTS, 'explore.png'), fullPage: true })
    await page.screenshot({ path: join(ARTEFACTS, 'explore-viewport.png') }) // what the README shows (docs/web-app.png)
    await page.close()
  })

  it('routes a logit strategy on the wasm backend exactly as the CLI does on the reference', async () => {
    const page = await open('?strategy=grouped_topk&tokens=2048&experts=256&top-k=8&seed=7&ep-size=8')
    await rendered(page)
    const cli = await cliJson(['route', '-s', 'grouped_topk', '-t', '2048', '-e', '256', '-k', '8', '--seed', '7', '--ep-size', '8'])
    expect(await metric(page, 'max')).toBe(String(cli['summary'].max))
    expect(await metric(page, 'balancedness')).toBe(String(cli['summary'].balancedness))
    expect(await metric(page, 'countsDigest')).toBe(int32Digest(Int32Array.from(cli['counts'] as number[])))
    expect(await page.textContent('[data-testid="ran-on"]')).toMatch(/^wasm/)
    await page.close()
  })

  it('loads gpu.js only when a gpu.js backend is picked, and says where the routing ran', async () => {
    const requests: string[] = []
    const plain = await browser.newPage()
    plain.on('request', (r) => requests.push(r.url()))
    plain.on('pageerror', (e) => pageErrors.push(`plain: ${e.message}`))
    await plain.goto(`${base}?strategy=grouped_topk&tokens=4096&experts=256&top-k=8&seed=1`)
    await rendered(plain)
    expect(requests.filter((u) => /gpu-browser/.test(u))).toEqual([])
    expect(
      await plain.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter((n) => /gpu-browser/.test(n)),
      ),
    ).toEqual([])
    await plain.close()

    const page = await open('?strategy=grouped_topk&tokens=4096&experts=256&top-k=8&seed=1&backend=webgl2')
    const gpuChunk = page.waitForRequest(/gpu-browser/)
    await rendered(page)
    await gpuChunk
    const status = (await page.textContent('[role=status]'))!
    const ranOn = (await page.textContent('[data-testid="ran-on"]'))!
    console.log(`webgl2 in headless Chromium: ${ranOn} | ${status}`)
    const cli = await cliJson(['route', '-s', 'grouped_topk', '-t', '4096', '-e', '256', '-k', '8', '--seed', '1'])
    if (/^Routed/.test(status)) {
      expect(ranOn).toMatch(/^webgl2: .*gpu\.js webgl2/)
      expect(await metric(page, 'countsDigest')).toBe(int32Digest(Int32Array.from(cli['counts'] as number[])))
    } else {
      // No WebGL2 here: the gpu package's typed error is shown, never a silent fallback.
      expect(status).toMatch(/webgl2/i)
    }
    await page.close()
  })

  it('uses SharedArrayBuffer threads only when the host sends COOP/COEP, and routes the same either way', async () => {
    const isolated = await serveStatic(DIST, { isolated: true })
    try {
      const query = '?strategy=grouped_topk&tokens=2048&experts=64&top-k=4&seed=3&ep-size=8&backend=webasm'
      const cli = await cliJson(['route', '-s', 'grouped_topk', '-t', '2048', '-e', '64', '-k', '4', '--seed', '3', '--ep-size', '8'])
      for (const [url, threaded] of [
        [base, false],
        [isolated.url, true],
      ] as const) {
        const page = await browser.newPage()
        page.on('pageerror', (e) => pageErrors.push(`isolation ${threaded}: ${e.message}`))
        await page.goto(`${url}${query}`)
        await rendered(page)
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(threaded)
        expect(await page.getAttribute('[data-testid="ran-on"]', 'title')).toMatch(threaded ? /SharedArrayBuffer threads on/ : /not cross-origin isolated/)
        expect(await page.textContent('[data-testid="ran-on"]')).toMatch(threaded ? /threaded: SharedArrayBuffer worker pool/ : /single-threaded/)
        expect(await metric(page, 'countsDigest')).toBe(int32Digest(Int32Array.from(cli['counts'] as number[])))
        await page.close()
      }
    } finally {
      isolated.server.close()
    }
  })

  it('builds every registered strategy’s parameter form from its schema: one labelled control each, with its range and default', async () => {
    const simulator = createSimulator()
    const page = await open('?strategy=uniform_random&tokens=256&experts=64&top-k=4&seed=1&ep-size=8')
    let tag = await rendered(page)
    for (const name of simulator.getAvailableStrategies()) {
      const specs = simulator.describeStrategy(name).parameters
      if (name !== 'uniform_random') {
        await page.getByLabel('Strategy', { exact: true }).selectOption(name)
        tag = await rendered(page, tag)
      }
      const controls = await page.locator('fieldset.params .field').evaluateAll((fields) =>
        fields.map((f) => {
          const c = f.querySelector('input, select') as HTMLInputElement | HTMLSelectElement
          return {
            label: f.querySelector('label')!.textContent,
            labelled: (c.labels?.length ?? 0) > 0,
            type: c instanceof HTMLSelectElement ? 'select' : c.type,
            value: c instanceof HTMLInputElement && c.type === 'checkbox' ? String(c.checked) : c.value,
            min: c.getAttribute('min'),
            max: c.getAttribute('max'),
            hint: f.querySelector('.hint')?.textContent ?? '',
          }
        }),
      )
      expect(
        controls.map((c) => c.label),
        name,
      ).toEqual(Object.keys(specs))
      for (const c of controls) {
        const spec = specs[c.label!]!
        expect(c.labelled, `${name}.${c.label}`).toBe(true)
        const expected = spec.default === undefined ? '' : Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)
        expect(c.value, `${name}.${c.label} default`).toBe(expected)
        if (spec.type === 'number' || spec.type === 'integer') {
          expect(c.type).toBe('number')
          expect(c.min, `${name}.${c.label} min`).toBe(spec.min === undefined ? null : String(spec.min))
          expect(c.max, `${name}.${c.label} max`).toBe(spec.max === undefined ? null : String(spec.max))
          if (spec.min !== undefined || spec.max !== undefined) expect(c.hint).toMatch(/Range /)
        }
        if (spec.type === 'enum') expect(c.type).toBe('select')
        if (spec.type === 'boolean') expect(c.type).toBe('checkbox')
      }
    }
    await page.close()
  })

  it('re-routes when a control changes, and writes the change into the URL', async () => {
    const page = await open('?strategy=zipf&tokens=4096&experts=256&top-k=8&seed=1')
    let tag = await rendered(page)
    const before = await metric(page, 'max')
    await page.getByLabel('exponent', { exact: true }).fill('2')
    await page.getByLabel('exponent', { exact: true }).press('Enter')
    await page.getByLabel('exponent', { exact: true }).blur()
    tag = await rendered(page, tag)
    const after = await metric(page, 'max')
    const digest = await metric(page, 'countsDigest')
    expect(Number(after)).toBeGreaterThan(Number(before))
    expect(page.url()).toContain('exponent=2')
    expect(await page.getAttribute('[data-testid="route-progress"]', 'value')).toBe('1') // the bar ran to the end
    await page.getByLabel('Seed').fill('2')
    await page.getByLabel('Seed').blur()
    await rendered(page, tag)
    expect(page.url()).toContain('seed=2')
    expect(await metric(page, 'countsDigest')).not.toBe(digest)
    await page.close()
  })

  it('copies a CLI command that routes exactly what the page shows', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    const page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(`copy: ${e.message}`))
    await page.goto(`${base}?strategy=lognormal&tokens=3000&experts=128&top-k=6&seed=5&ep-size=16&sigma=1.5`)
    await rendered(page)
    await page.getByRole('button', { name: 'Copy CLI command' }).click()
    await page.getByRole('button', { name: 'Copied' }).waitFor()
    const command = await page.evaluate(() => navigator.clipboard.readText())
    expect(command).toBe(await page.textContent('[data-testid="cli-command"]'))
    const argv = command.split(' ')
    expect(argv.slice(0, 2)).toEqual(['routesim', 'route'])
    const cli = await cliJson(argv.slice(1))
    expect(await metric(page, 'countsDigest')).toBe(int32Digest(Int32Array.from(cli['counts'] as number[])))
    expect(await metric(page, 'balancedness')).toBe(String(cli['summary'].balancedness))
    expect(await metric(page, 'duplicateIdRate')).toBe(String(cli['summary'].duplicateIdRate))
    await context.close()
  })

  it('compares strategies side by side', async () => {
    const page = await open('?view=compare&strategies=uniform_random,zipf,softmax_topk&tokens=4096&experts=256&top-k=8&seed=1')
    await rendered(page)
    expect(await page.locator('[data-testid="compare-table"] thead th').count()).toBe(4)
    expect(await page.locator('[data-testid="compare-results"] svg').count()).toBeGreaterThanOrEqual(6)
    // The engine label names every place the strategies ran, as the status line does.
    const places = /\(ran on (.*)\)\.$/.exec((await page.textContent('p.status[role="status"]'))!)![1]!.split(', ')
    const label = (await page.textContent('[data-testid="ran-on"]'))!
    expect(places.length).toBeGreaterThan(1) // the samplers on the reference, softmax_topk on wasm
    for (const place of places) expect(label).toContain(place)
    await page.screenshot({ path: join(ARTEFACTS, 'compare.png'), fullPage: true })
    await page.close()
  })

  it('runs a scenario with progress, before/after EPLB charts, and cancels one', async () => {
    const page = await open('?view=scenario')
    await page.getByLabel('Steps', { exact: true }).fill('60')
    await page.getByLabel('Steps', { exact: true }).blur()
    await page.getByRole('button', { name: 'Run scenario' }).click()
    await page.waitForSelector('[data-testid="scenario-summary"]', { timeout: 90_000 })
    await page.waitForFunction(() => document.body.dataset['rendered'] === 's60') // the final charts are in
    expect(await page.getAttribute('progress', 'value')).toBe('60')
    expect(await page.textContent('[data-testid="ran-on"]')).toMatch(/^wasm/) // the page's default backend, through the registry
    expect(await page.locator('[data-testid="scenario-results"] svg').count()).toBeGreaterThanOrEqual(4)
    const rows = await page.locator('[data-testid="scenario-summary"] td').allTextContents()
    expect(Number(rows[1])).toBeGreaterThan(Number(rows[0])) // EPLB balances better than the static layout
    // Per-layer × per-rank heatmaps before and after EPLB; the "after" picture is the more even one.
    for (const id of ['heatmap-static', 'heatmap-deployed']) expect(await page.locator(`[data-testid="${id}"] svg image`).count()).toBeGreaterThanOrEqual(1)
    const before = Number(await page.getAttribute('[data-testid="heatmap-static"]', 'data-balancedness'))
    const after = Number(await page.getAttribute('[data-testid="heatmap-deployed"]', 'data-balancedness'))
    expect(before).toBeGreaterThan(0)
    expect(after).toBeGreaterThan(before)
    await page.screenshot({ path: join(ARTEFACTS, 'scenario.png'), fullPage: true })
    // The copied scenario file runs in the CLI to the same summary.
    await page.getByRole('button', { name: 'Copy scenario file' }).click()
    const file = join(tmp, 'scenario.json')
    writeFileSync(file, await page.evaluate(() => navigator.clipboard.readText()))
    const cli = await cliJson(['simulate', '--scenario', file])
    const values = await page.locator('[data-testid="scenario-summary"] td').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value')))
    expect(values[0]).toBe(String(cli['balancedness'].static.perLayerMean))
    expect(values[1]).toBe(String(cli['balancedness'].deployed.perLayerMean))
    expect(values[2]).toBe(String(cli['balancedness'].deployed.tokenWeighted))
    await page.getByLabel('Steps', { exact: true }).fill('5000')
    await page.getByLabel('Steps', { exact: true }).blur()
    await page.getByRole('button', { name: 'Run scenario' }).click()
    await page.waitForFunction(() => Number(document.querySelector('progress')?.getAttribute('value')) > 3)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.waitForFunction(() => /Cancelled after/.test(document.querySelector('[role=status]')?.textContent ?? ''), undefined, { timeout: 30_000 })
    await page.close()
  })

  it.skipIf(!hasNumpy)(
    'takes dropped .npy, .npz, .safetensors, .pt and .jsonl traces written by numpy/torch, fits them, and exports .npz/.safetensors that numpy reads',
    async () => {
      const npy = join(tmp, 'topk_ids.npy')
      // One routing, written the ways Python users write it: numpy, torch.save and a hand-rolled safetensors file.
      const made = spawnSync(
        PYTHON,
        [
          '-c',
          `import json, struct, numpy as np
rng = np.random.default_rng(3)
p = 1.0 / np.arange(1, 65) ** 1.1; p /= p.sum()
ids = np.stack([rng.choice(64, size=8, replace=False, p=p) for _ in range(1024)]).astype(np.int64)
w = rng.random((1024, 8)).astype(np.float32)
d = ${JSON.stringify(tmp)}
np.save(d + '/topk_ids.npy', ids)
np.savez(d + '/routing.npz', topk_ids=ids, topk_weights=w)
a, b = ids.astype(np.int32).tobytes(), w.tobytes()
head = json.dumps({'topk_ids': {'dtype': 'I32', 'shape': list(ids.shape), 'data_offsets': [0, len(a)]}, 'topk_weights': {'dtype': 'F32', 'shape': list(w.shape), 'data_offsets': [len(a), len(a) + len(b)]}}).encode()
open(d + '/routing.safetensors', 'wb').write(struct.pack('<Q', len(head)) + head + a + b)
with open(d + '/routing.jsonl', 'w') as f:
    f.write(json.dumps({'step': 0, 'layer': 0, 'topk_ids': ids.tolist()}) + '\\n')
try:
    import torch
    torch.save({'topk_ids': torch.from_numpy(ids), 'topk_weights': torch.from_numpy(w)}, d + '/routing.pt')
except ImportError:
    pass
print(int(np.bincount(ids.ravel(), minlength=64).max()))`,
        ],
        { encoding: 'utf8' },
      )
      expect(made.stderr).toBe('')
      const pyMax = made.stdout.trim()
      const page = await open('?view=trace&ep-size=8')
      await page.waitForSelector('[data-testid="dropzone"]')
      const drop = async (name: string) => {
        const bytes = [...readFileSync(join(tmp, name))]
        const before = await page.evaluate(() => document.body.dataset['rendered'])
        await page.evaluate(
          ([b, n]) => {
            const data = new DataTransfer()
            data.items.add(new File([new Uint8Array(b as number[])], n as string))
            document.querySelector('[data-testid="dropzone"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
          },
          [bytes, name],
        )
        expect(await rendered(page, before)).toBe(`t-${name}`)
      }
      const formats = ['routing.npz', 'routing.safetensors', 'routing.jsonl', ...(existsSync(join(tmp, 'routing.pt')) ? ['routing.pt'] : []), 'topk_ids.npy']
      if (process.env['ROUTESIM_REQUIRE_PYTHON'] === '1') expect(formats).toContain('routing.pt')
      for (const name of formats) {
        await drop(name)
        expect(await metric(page, 'max')).toBe(pyMax)
        expect(await page.textContent('[data-testid="fit"] h3')).toMatch(/^Fit: zipf, exponent = /)
      }
      expect(await page.textContent('[data-testid="fit-command"]')).toMatch(/^routesim route --strategy zipf -p exponent=/)
      expect(await page.locator('[data-testid="trace-results"] svg').count()).toBeGreaterThanOrEqual(4)
      // Every layer of a [steps, layers, tokens, k] trace: the per-layer table, per-layer × per-rank loads before and
      // after EPLB, and any (step, layer) picked — whose export numpy reads back as that slice.
      const deep = spawnSync(
        PYTHON,
        [
          '-c',
          `import numpy as np
rng = np.random.default_rng(5)
p = 1.0 / np.arange(1, 33) ** 1.3; p /= p.sum()
ids = np.stack([np.stack([np.stack([rng.choice(32, size=4, replace=False, p=np.roll(p, 5 * l)) for _ in range(256)]) for l in range(3)]) for s in range(2)]).astype(np.int32)
np.save(${JSON.stringify(join(tmp, 'layers.npy'))}, ids)
print(int(np.bincount(ids[1, 2].ravel(), minlength=32).max()))`,
        ],
        { encoding: 'utf8' },
      )
      expect(deep.stderr).toBe('')
      await drop('layers.npy')
      expect(await page.locator('[data-testid="trace-analysis"] tbody tr').count()).toBe(3)
      for (const id of ['trace-heatmap-static', 'trace-heatmap-eplb'])
        expect(await page.locator(`[data-testid="${id}"] svg image`).count()).toBeGreaterThanOrEqual(1)
      let tag = await page.evaluate(() => document.body.dataset['rendered'])
      await page.getByLabel('Step', { exact: true }).selectOption('1')
      tag = await rendered(page, tag)
      await page.getByLabel('Layer', { exact: true }).selectOption('2')
      expect(await rendered(page, tag)).toBe('t-layers.npy-1-2')
      expect(await metric(page, 'max')).toBe(deep.stdout.trim())
      {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="npz"]')])
        const saved = join(tmp, download.suggestedFilename())
        await download.saveAs(saved)
        expect(download.suggestedFilename()).toBe('layers-step1-layer2.npz')
        const check = spawnSync(
          PYTHON,
          [
            '-c',
            `import numpy as np
a = np.load(${JSON.stringify(saved)})['topk_ids']
b = np.load(${JSON.stringify(join(tmp, 'layers.npy'))})[1, 2]
assert (a.reshape(b.shape) == b).all()
print('ok')`,
          ],
          { encoding: 'utf8' },
        )
        expect(check.stderr).toBe('')
        expect(check.stdout.trim()).toBe('ok')
      }
      await drop('topk_ids.npy') // the export checks below read this one back
      await page.screenshot({ path: join(ARTEFACTS, 'trace.png'), fullPage: true })
      for (const format of ['npz', 'safetensors']) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export="${format}"]`)])
        const saved = join(tmp, download.suggestedFilename())
        await download.saveAs(saved)
        expect(saved.endsWith(`.${format}`)).toBe(true)
        const read =
          format === 'npz'
            ? `a = np.load(${JSON.stringify(saved)})['topk_ids']`
            : `import json, struct
raw = open(${JSON.stringify(saved)}, 'rb').read(); n = struct.unpack('<Q', raw[:8])[0]; h = json.loads(raw[8:8 + n]); t = h['topk_ids']
a = np.frombuffer(raw[8 + n + t['data_offsets'][0]:8 + n + t['data_offsets'][1]], dtype={'I32': np.int32, 'I64': np.int64}[t['dtype']]).reshape(t['shape'])`
        const check = spawnSync(
          PYTHON,
          [
            '-c',
            `import numpy as np
${read}
b = np.load(${JSON.stringify(npy)})
assert a.shape == b.shape, (a.shape, b.shape)
assert (a == b).all()
print('ok', a.shape)`,
          ],
          { encoding: 'utf8' },
        )
        expect(check.stderr).toBe('')
        expect(check.stdout.trim()).toBe('ok (1024, 8)')
      }
      await page.close()
    },
  )

  it('is usable from the keyboard: tabs move with the arrow keys, every control has a label, the theme toggles', async () => {
    const page = await open('?strategy=zipf&tokens=1024&experts=64&top-k=4&seed=1&ep-size=8')
    await rendered(page)
    const unlabelled = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea, button')]
          .filter((el) => !(el as HTMLElement).hidden)
          .filter((el) => {
            const labels = (el as HTMLInputElement).labels
            const name =
              (labels && labels.length > 0 ? labels[0]!.textContent : '') || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' ? el.textContent : '')
            return !name || name.trim() === ''
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      )
    expect(await unlabelled()).toEqual([])
    await page.focus('#tab-explore')
    for (const view of ['compare', 'scenario', 'trace', 'explore']) {
      await page.keyboard.press('ArrowRight')
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(`tab-${view}`)
      expect(await page.getAttribute(`#tab-${view}`, 'aria-selected')).toBe('true')
      expect(page.url()).toContain(view === 'explore' ? 'strategy=zipf' : `view=${view}`)
      expect(await unlabelled()).toEqual([])
    }
    // Keyboard-only routing: focus the top-k field, type, Tab away; the page re-routes.
    const tag = await page.evaluate(() => document.body.dataset['rendered'])
    await page.getByLabel('Top-k').focus()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('2')
    await page.keyboard.press('Tab')
    await rendered(page, tag)
    expect(page.url()).toContain('top-k=2')
    expect(await metric(page, 'mean')).toBe(String((1024 * 2) / 64))
    const theme = page.getByRole('button', { name: /Dark|Light/ })
    const before = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    await theme.focus()
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(before)
    expect(await theme.getAttribute('aria-pressed')).not.toBeNull()
    await page.close()
  })

  it('lays out on a phone in the dark theme', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true })
    page.on('pageerror', (e) => pageErrors.push(`phone: ${e.message}`))
    await page.goto(`${base}?strategy=lognormal&tokens=4096&experts=128&top-k=6&seed=3`)
    await rendered(page)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 23, 27)')
    await page.screenshot({ path: join(ARTEFACTS, 'phone-dark.png'), fullPage: true })
    await page.close()
  })

  it('had no page errors in any view', () => {
    expect(pageErrors).toEqual([])
  })
})
