#!/usr/bin/env node
// Draws docs/performance-scaling.png (and .svg): throughput of routesim's default path against its thread count,
// one line per workload, from `routesim bench --threads 1,2,4,8,16` JSON lines; torch CPU with 16 threads, when
// given, as dashed rules. Vega-Lite spec → Vega SVG (no DOM) → PNG with resvg.
//   node scripts/plot-scaling.mjs --scaling RAW.jsonl [--torch TORCH16.jsonl] [--title TEXT] --out docs/performance-scaling
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Resvg } from '@resvg/resvg-js'
import * as vega from 'vega'
import { compile } from 'vega-lite'

const { values: opts } = parseArgs({
  options: {
    scaling: { type: 'string' },
    torch: { type: 'string' },
    title: { type: 'string', default: 'routesim default path: threads vs throughput' },
    out: { type: 'string' },
  },
})
if (!opts.scaling || !opts.out) {
  process.stderr.write('usage: node scripts/plot-scaling.mjs --scaling RAW.jsonl [--torch TORCH.jsonl] --out PATH_WITHOUT_EXTENSION\n')
  process.exit(2)
}
const lines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l))
const points = lines(opts.scaling)
  .filter((r) => r.impl === 'routesim-default' && typeof r.threads === 'number')
  .map((r) => ({ workload: r.workload, threads: r.threads, mtoks: r.tokens_per_s / 1e6 }))
const torch = opts.torch
  ? lines(opts.torch)
      .filter((r) => r.impl === 'torch-cpu')
      .map((r) => ({ workload: r.workload, mtoks: r.tokens_per_s / 1e6 }))
  : []

const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: opts.title,
  width: 560,
  height: 360,
  background: 'white',
  layer: [
    {
      data: { values: points },
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'threads',
          type: 'quantitative',
          scale: { type: 'log', base: 2 },
          axis: { values: [1, 2, 4, 8, 16], title: 'threads (the calling one included)' },
        },
        y: { field: 'mtoks', type: 'quantitative', scale: { type: 'log' }, title: 'million tokens / s (token-layers for simulate_zipf)' },
        color: { field: 'workload', type: 'nominal', title: 'workload' },
      },
    },
    ...(torch.length
      ? [
          {
            data: { values: torch },
            mark: { type: 'rule', strokeDash: [4, 3], opacity: 0.7 },
            encoding: { y: { field: 'mtoks', type: 'quantitative' }, color: { field: 'workload', type: 'nominal' } },
          },
        ]
      : []),
  ],
}
const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
const svg = await view.toSVG(2)
writeFileSync(`${opts.out}.svg`, svg)
writeFileSync(`${opts.out}.png`, new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng())
process.stdout.write(`wrote ${opts.out}.svg and ${opts.out}.png (${points.length} points)\n`)
