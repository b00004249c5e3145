// Bundles worker/worker-entry.ts (sources through the @routesim/source condition) into one self-contained
// script and writes it as a string constant to src/worker-source.ts, which the thread pool starts workers from.
// `--check` compares instead of writing (exit 1 when the checked-in file is stale).
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildWorkerSource, workerSourceModule } from './worker-bundle.mjs'

const target = fileURLToPath(new URL('../src/worker-source.ts', import.meta.url))
const text = workerSourceModule(await buildWorkerSource())
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error('src/worker-source.ts is stale: run `node scripts/build-worker.mjs`')
    process.exit(1)
  }
} else {
  writeFileSync(target, text)
  console.log(`wrote ${target} (${text.length} characters)`)
}
