// Runs a TypeScript benchmark file: bundles it with Vite (sibling packages resolved from source,
// since Node 20 cannot strip types), then runs the plain-JS bundle so timings carry no loader overhead.
// Usage, from a package folder: node ../../scripts/run-ts-bench.mjs bench/<name>.bench.ts [args...]
// BENCH_BUNDLE=out.mjs only writes the bundle (to run elsewhere with plain node).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, defaultServerConditions } from 'vite'

const [file, ...args] = process.argv.slice(2)
if (!file) throw new Error('usage: node ../../scripts/run-ts-bench.mjs <file.bench.ts> [args...]')
const outDir = mkdtempSync(join(tmpdir(), 'routesim-bench-'))
const conditions = ['@routesim/source', ...defaultServerConditions]
try {
  await build({
    configFile: false,
    logLevel: 'error',
    resolve: { conditions },
    ssr: { noExternal: true, resolve: { conditions, externalConditions: conditions } },
    build: { ssr: resolve(file), outDir, minify: false, rollupOptions: { output: { entryFileNames: 'bench.mjs' } } },
  })
  if (process.env.BENCH_BUNDLE) {
    copyFileSync(join(outDir, 'bench.mjs'), process.env.BENCH_BUNDLE)
  } else {
    process.argv = [process.argv[0], file, ...args]
    await import(pathToFileURL(join(outDir, 'bench.mjs')).href)
  }
} finally {
  rmSync(outDir, { recursive: true, force: true })
}
