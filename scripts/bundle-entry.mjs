#!/usr/bin/env node
// Build step of the library packages, run from a package's folder after `tsc --emitDeclarationOnly`:
// bundles src/index.ts into ONE dist/index.js. Node's ESM loader pays ~0.5 ms per module file (resolve,
// stat, read, link), so importing @routesim/simulator as ~100 tsc-emitted files cost more than all of
// its code; one file per package keeps the import under 100 ms (docs/performance.md, "Start-up").
// Other @routesim packages stay imports (one shared copy each); everything else (mathjs: only the
// functions used, through its factory API) is bundled and tree-shaken.
import { build } from 'esbuild'

await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  external: ['@routesim/*'],
  // Class and function names stay as written (errors' names, stack traces).
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
})
