#!/usr/bin/env node
// Prepares the GPU-machine benchmark (shared/device/README.md): fills .device/ with the device kit
// (node, Dawn, Vulkan loader packages, setup.sh) when it is missing, bundles the routesim CLI into
// .device/routesim-bench.mjs (gpu.js inlined, `webgpu` external: setup.sh links Dawn there), and copies
// scripts/bench.mjs, bench-floor.mjs and the PyTorch reference beside it, since ../shared does not travel,
// and bundles the device-resident profile (packages/gpu/bench/resident-profile.ts) into
// .device/resident-profile.mjs, the routeLayers timeline (packages/simulator/bench/layers-timeline.bench.mjs) into
// .device/layers-timeline.mjs, with scripts/cores-probe.mjs beside it. Prints the commands to run there (carry: .device).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const kit = join(root, '..', 'shared', 'device')
const device = join(root, '.device')

function step(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    process.stderr.write(`bench-device: ${command} ${args.join(' ')} failed (${result.status ?? result.error?.message})\n`)
    process.exit(1)
  }
}

if (!existsSync(join(device, 'node.xz')) || !existsSync(join(device, 'dawn.node.xz'))) step('bash', [join(kit, 'prepare-carry.sh')])
// prepare-carry.sh copies setup.sh relative to its own path, which fails when called from elsewhere.
if (!existsSync(join(device, 'setup.sh'))) copyFileSync(join(kit, 'setup.sh'), join(device, 'setup.sh'))
step(process.execPath, [join(root, 'scripts/bench.mjs'), '--bundle-only', join(device, 'routesim-bench.mjs')])
copyFileSync(join(root, 'scripts/bench.mjs'), join(device, 'bench.mjs'))
// bench.mjs --floor runs the floor script from beside itself.
copyFileSync(join(root, 'scripts/bench-floor.mjs'), join(device, 'bench-floor.mjs'))
// Whole simulate runs with the scenario loop on the device, timed against the CLI bundle above.
copyFileSync(join(root, 'scripts/bench-device-loop.mjs'), join(device, 'bench-device-loop.mjs'))
copyFileSync(join(root, '..', 'shared', 'bench', 'torch_baseline.py'), join(device, 'torch_baseline.py'))
// Where a 16-thread routeLayers call spends its time (per-thread timeline), and how far the host's threads scale at all.
step(process.execPath, [join(root, 'packages/simulator/bench/layers-timeline.bench.mjs'), '--bundle-only', join(device, 'layers-timeline.mjs')])
copyFileSync(join(root, 'scripts/cores-probe.mjs'), join(device, 'cores-probe.mjs'))
const esbuild = await import(join(root, 'packages/cli/node_modules/esbuild/lib/main.js'))
await esbuild.build({
  entryPoints: [join(root, 'packages/gpu/bench/resident-profile.ts')],
  outfile: join(device, 'resident-profile.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@routesim/source'],
  external: ['webgpu', 'gl'],
  // gpu.js is CommonJS and calls require(); give the ESM bundle a real one.
  banner: { js: "import { createRequire as __routesimCreateRequire } from 'node:module'; const require = __routesimCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})

const mib = (f) => (statSync(join(device, f)).size / 2 ** 20).toFixed(1)
process.stderr.write(`bench-device: .device ready (routesim-bench.mjs ${mib('routesim-bench.mjs')} MiB, node.xz ${mib('node.xz')} MiB)\n`)
process.stdout.write(
  [
    'source .device/setup.sh && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader &&',
    'node .device/bench.mjs --routesim .device/routesim-bench.mjs --torch-script .device/torch_baseline.py',
    '--python python3 --device cuda --order batch --backend webgpu,reference --out $OUT',
  ].join(' ') +
    "\n# where a resident call's time goes (kernel, read-back, map latency), and route() checked against the reference on the device:\n" +
    'source .device/setup.sh && node .device/resident-profile.mjs --reps 15\n' +
    '# the scenario loop on the device: whole simulate runs (DeepSeek-V3, zipf, 4096 tokens), webgpu vs wasm threads:\n' +
    'source .device/setup.sh && node .device/bench-device-loop.mjs --routesim .device/routesim-bench.mjs\n',
)
