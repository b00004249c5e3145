import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

/** The test worker bundled as the simulator bundles its own: an IIFE with sources through @routesim/source. */
export async function bundleTestWorker(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./test-worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    conditions: ['@routesim/source'],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}
