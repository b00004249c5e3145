#!/usr/bin/env node
// Prepares the GPU-machine benchmark (shared/device/README.md): fills .device/ with the device kit
// (node, Dawn, Vulkan loader packages, setup.sh) when it is missing, bundles the routesim CLI into
// .device/routesim-bench.mjs (gpu.js inlined, `webgpu` external: setup.sh links Dawn there), and copies
// scripts/bench.mjs, bench-floor.mjs and the PyTorch reference beside it, since ../shared does not travel.
// Prints the command to run there (carry: .device).
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
copyFileSync(join(root, '..', 'shared', 'bench', 'torch_baseline.py'), join(device, 'torch_baseline.py'))

const mib = (f) => (statSync(join(device, f)).size / 2 ** 20).toFixed(1)
process.stderr.write(`bench-device: .device ready (routesim-bench.mjs ${mib('routesim-bench.mjs')} MiB, node.xz ${mib('node.xz')} MiB)\n`)
process.stdout.write(
  [
    'source .device/setup.sh && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader &&',
    'node .device/bench.mjs --routesim .device/routesim-bench.mjs --torch-script .device/torch_baseline.py',
    '--python python3 --device cuda --order batch --backend webgpu,reference --out $OUT',
  ].join(' ') + '\n',
)
