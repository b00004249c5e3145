#!/usr/bin/env node
// Trace-file speed: runs bench/io.bench.ts (vitest bench) and, in the same run, numpy / safetensors /
// torch on arrays of the same size and dtype, then prints GB/s for each and the ratio routesim ÷ Python.
//
//   node bench/run-io-bench.mjs [--tokens 4194304] [--python /usr/bin/python3]
//
// Both sides go through the file system (and its page cache): numpy's np.save / np.load, the
// safetensors package's save_file / load_file, torch.save / torch.load(weights_only=True).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: { tokens: { type: 'string', default: String(1 << 22) }, python: { type: 'string', default: '/usr/bin/python3' } },
})
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = mkdtempSync(join(tmpdir(), 'routesim-io-bench-run-'))

const PY = String.raw`
import json, os, sys, tempfile, time
import numpy as np
T, K = int(sys.argv[1]), 8
d = tempfile.mkdtemp()
rng = np.random.default_rng(0)
ids = rng.integers(0, 256, (T, K), dtype=np.int32)
w = rng.random((T, K), dtype=np.float32)
def best(fn, reps=7):
    fn(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return min(ts)
res = {}
p = os.path.join(d, "ids.npy")
res["npy write"] = (ids.nbytes, best(lambda: np.save(p, ids)))
res["npy read"] = (ids.nbytes, best(lambda: np.load(p)))
try:
    from safetensors.numpy import save_file, load_file
    s = os.path.join(d, "t.safetensors")
    res["safetensors write"] = (2 * ids.nbytes, best(lambda: save_file({"topk_ids": ids, "topk_weights": w}, s)))
    res["safetensors read"] = (2 * ids.nbytes, best(lambda: load_file(s)))
except ImportError:
    pass
try:
    import torch
    t = os.path.join(d, "t.pt")
    ti, tw = torch.from_numpy(ids), torch.from_numpy(w)
    res["pt write"] = (2 * ids.nbytes, best(lambda: torch.save({"topk_ids": ti, "topk_weights": tw}, t)))
    res["pt read"] = (2 * ids.nbytes, best(lambda: torch.load(t, weights_only=True)))
except ImportError:
    pass
print(json.dumps({k: v[0] / v[1] / 1e9 for k, v in res.items()}))
`

// Python first, then routesim: both see the same page cache and machine state.
const py = spawnSync(opts.python, ['-c', PY, opts.tokens], { encoding: 'utf8', maxBuffer: 1 << 24 })
const python = py.status === 0 ? JSON.parse(py.stdout) : {}
if (py.status !== 0) process.stderr.write(`Python baseline failed (${opts.python}):\n${py.stderr}\n`)

const json = join(out, 'bench.json')
const run = spawnSync(
  process.execPath,
  [join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs'), 'bench', '--run', '--outputJson', json, 'bench/io.bench.ts'],
  {
    cwd: pkg,
    encoding: 'utf8',
    env: { ...process.env, ROUTESIM_IO_BENCH_TOKENS: opts.tokens },
    maxBuffer: 1 << 26,
  },
)
if (run.status !== 0) {
  process.stderr.write(run.stdout + run.stderr)
  process.exit(run.status ?? 1)
}
const report = JSON.parse(readFileSync(json, 'utf8'))
rmSync(out, { recursive: true, force: true })

const rows = []
for (const file of report.files) {
  for (const group of file.groups) {
    for (const b of group.benchmarks) {
      const bytes = Number(/\[(\d+) bytes\]/.exec(b.name)?.[1])
      // Fastest call, as the Python side takes the best of its repetitions.
      const gbps = bytes / (b.min / 1000) / 1e9
      const op = /^(\w+ (?:read|write))/.exec(b.name)?.[1] ?? b.name
      const validated = b.name.includes('validated') || b.name.includes('one buffer')
      const base = validated ? undefined : python[op]
      rows.push([
        b.name.replace(/ \[\d+ bytes\]/, ''),
        gbps.toFixed(2),
        base === undefined ? '' : base.toFixed(2),
        base === undefined ? '' : (gbps / base).toFixed(2),
      ])
    }
  }
}
const baselines = {
  'npy write': 'np.save',
  'npy read': 'np.load',
  'safetensors write': 'safetensors.numpy.save_file',
  'safetensors read': 'safetensors.numpy.load_file',
}
console.log(`trace files: ${opts.tokens} tokens × top-8 (int32 ids; .safetensors adds float32 weights), node ${process.version}`)
const width = Math.max(...rows.map((r) => r[0].length))
console.log(`${'routesim'.padEnd(width)}  GB/s   Python GB/s  routesim ÷ Python`)
for (const r of rows) console.log(`${r[0].padEnd(width)}  ${r[1].padStart(5)}  ${r[2].padStart(11)}  ${r[3].padStart(6)}`)
console.log(
  `Python: ${Object.entries(baselines)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ')}; torch.save/torch.load(weights_only=True): ${
    ['pt write', 'pt read']
      .map((k) => (python[k] ? `${k} ${python[k].toFixed(2)} GB/s` : ''))
      .filter(Boolean)
      .join(', ') || 'not run'
  }`,
)
