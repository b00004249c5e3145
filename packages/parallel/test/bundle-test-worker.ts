import { build } from 'esbuild'
import type { BuildOptions } from 'esbuild'
import { fileURLToPath } from 'node:url'

/** How test scripts are bundled: in memory, our packages from their sources. */
export const sourceBundle = {
  bundle: true,
  write: false,
  conditions: ['@routesim/source'],
  mainFields: ['module', 'main'],
  logLevel: 'silent',
} as const satisfies BuildOptions

/** The test worker bundled as the simulator bundles its own: an IIFE with sources through @routesim/source. */
export async function bundleTestWorker(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./test-worker.ts', import.meta.url))],
    ...sourceBundle,
    format: 'iife',
    platform: 'neutral',
  })
  return result.outputFiles[0]!.text
}
