import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'

// The packages must run in browsers: bundle real routing code for the browser platform (a Node
// built-in anywhere in the graph fails the build), run it in headless Chromium, and require the same
// bytes as Node produces. CI installs Debian's chromium; elsewhere the Chromium half is skipped.
const chromium = '/usr/bin/chromium'
const requireChromium = Boolean(process.env.CI)
const entry = fileURLToPath(new URL('./browser-entry.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'routesim-browser-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function bundle(platform: 'browser' | 'node'): Promise<string> {
  const outfile = join(dir, platform === 'browser' ? 'bundle.js' : 'bundle.mjs')
  await build({
    entryPoints: [entry],
    bundle: true,
    platform,
    format: platform === 'browser' ? 'iife' : 'esm',
    conditions: ['@routesim/source'],
    logLevel: 'silent',
    outfile,
  })
  return outfile
}

function resultLine(output: string): Record<string, string> {
  const match = /RESULT:(\{.*?\})(?:<|\s|$)/.exec(output)
  if (!match) throw new Error(`no RESULT line in output: ${output.slice(0, 500)}`)
  return JSON.parse(match[1]!)
}

describe('browser', () => {
  it('every package bundles for the browser platform with no Node built-ins', async () => {
    await expect(bundle('browser')).resolves.toMatch(/bundle\.js$/)
  })

  it.skipIf(!requireChromium && !existsSync(chromium))(
    'routes in headless Chromium with output byte-identical to Node for every strategy and on the wasm backend',
    async () => {
      const nodeResult = resultLine(execFileSync(process.execPath, [await bundle('node')], { encoding: 'utf8' }))
      await bundle('browser')
      writeFileSync(join(dir, 'index.html'), '<html><body><script src="bundle.js"></script></body></html>')
      const dom = execFileSync(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          `--user-data-dir=${join(dir, 'profile')}`,
          // Wait for the asynchronous WebAssembly instantiation before the DOM is dumped.
          '--virtual-time-budget=30000',
          '--dump-dom',
          `file://${join(dir, 'index.html')}`,
        ],
        { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
      )
      const browserResult = resultLine(dom)
      expect(Object.keys(nodeResult).length).toBeGreaterThan(20)
      expect(Object.values(nodeResult).filter((v) => !v.startsWith('error:')).length).toBeGreaterThan(20)
      expect(browserResult).toEqual(nodeResult)
      for (const name of ['softmax_topk', 'grouped_topk']) {
        expect(nodeResult[`wasm:${name}:ranOn`], name).toBe('kernel')
        expect(nodeResult[`wasm:${name}:equalsReference`], name).toBe('true')
      }
    },
  )
})
