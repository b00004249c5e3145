import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

export const APP_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
export const DIST = join(APP_ROOT, 'dist')
export const ARTEFACTS = join(APP_ROOT, 'test-results')
export const CHROMIUM = process.env['ROUTESIM_CHROMIUM'] ?? '/usr/bin/chromium'
export const PYTHON = '/usr/bin/python3'

/** Chromium present, or a reason to skip; CI's ROUTESIM_REQUIRE_CHROMIUM=1 turns a skip into a failure. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env['ROUTESIM_REQUIRE_CHROMIUM'] === '1') throw new Error(`ROUTESIM_REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist (apt-get install chromium)`)
  return false
}

/** numpy importable by Debian's python, or false; ROUTESIM_REQUIRE_PYTHON=1 turns a skip into a failure. */
export async function numpyAvailable(): Promise<boolean> {
  const { spawnSync } = await import('node:child_process')
  const ok = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0
  if (!ok && process.env['ROUTESIM_REQUIRE_PYTHON'] === '1')
    throw new Error(`ROUTESIM_REQUIRE_PYTHON=1 but ${PYTHON} cannot import numpy (apt-get install python3-numpy)`)
  return ok
}

/** `vite build` of the app into dist/ (what `pnpm web:build` ships). */
export async function buildApp(): Promise<void> {
  await build({ root: APP_ROOT, logLevel: 'warn', configFile: join(APP_ROOT, 'vite.config.ts') })
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
}

/**
 * Plain static hosting on 127.0.0.1 and a random port: files only, no special headers (so the page is
 * not cross-origin isolated, as on GitHub Pages), unless `isolated` adds COOP/COEP.
 */
export function serveStatic(root: string, options: { isolated?: boolean } = {}): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    let file = normalize(join(root, path))
    if (!file.startsWith(root)) return void res.writeHead(403).end()
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html')
    if (!existsSync(file)) return void res.writeHead(404).end('not found')
    const headers: Record<string, string> = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }
    if (options.isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' })
    res.writeHead(200, headers).end(readFileSync(file))
  })
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      ok({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, server })
    }),
  )
}
