// Writes scenario.schema.json from the TypeBox schema in src/scenario/scenario-schema.ts (bundled from
// source with esbuild, so no build is needed). `pnpm schema:write` after changing the schema; a test
// fails while the committed file differs from what this writes.
import { build } from 'esbuild'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = await build({
  entryPoints: [`${root}src/scenario/scenario-schema.ts`],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  conditions: ['@routesim/source'],
  logLevel: 'warning',
})
const module = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`)
writeFileSync(`${root}scenario.schema.json`, module.scenarioJsonSchemaText())
console.log('wrote scenario.schema.json')
