import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The layering of docs/architecture.md, enforced: every workspace package sits on a layer and depends
// (dependencies, peerDependencies) only on packages of lower layers; no cycle even through devDependencies
// (turbo needs an acyclic graph); and every `@routesim/*` import in a package's sources is declared.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Bottom to top. A package may depend on any package of a lower line, never on its own line or above. */
const LAYERS: readonly (readonly string[])[] = [
  ['@routesim/core'], // the contract: types, errors, PRNG, validation, KernelBackend
  ['@routesim/backend-cpu', '@routesim/distributions'], // the reference kernels; samplers
  ['@routesim/routers', '@routesim/analysis', '@routesim/wasm', '@routesim/gpu', '@routesim/parallel', '@routesim/testing'], // backends, the worker pool
  ['@routesim/strategies'],
  ['@routesim/simulator'], // registry, backend registry, the one routing path (simulator.route)
  ['@routesim/scenarios'],
  ['@routesim/io'],
  ['routesim', '@routesim/demo', 'routesim-plugin-rank-local'], // the CLI, the web app, the example plugin
]

interface Manifest {
  readonly name: string
  readonly dir: string
  readonly dependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
}

function manifests(): Manifest[] {
  const out: Manifest[] = []
  for (const group of ['packages', 'apps', 'examples']) {
    const root = join(repo, group)
    if (!existsSync(root)) continue
    for (const name of readdirSync(root)) {
      const file = join(root, name, 'package.json')
      if (!existsSync(file)) continue
      const p = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>
      out.push({
        name: p.name!,
        dir: join(root, name),
        dependencies: p.dependencies ?? {},
        peerDependencies: p.peerDependencies ?? {},
        devDependencies: p.devDependencies ?? {},
      })
    }
  }
  return out
}

const all = manifests()
const names = new Set(all.map((m) => m.name))
const layerOf = new Map(LAYERS.flatMap((line, i) => line.map((name) => [name, i] as const)))
const workspace = (deps: Record<string, string>) => Object.keys(deps).filter((d) => names.has(d))

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue
      const path = join(d, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.(ts|tsx|mts|mjs|js)$/.test(entry) && !entry.endsWith('.d.ts')) files.push(path)
    }
  }
  for (const sub of ['src', 'test', 'bench', 'usage']) if (existsSync(join(dir, sub))) walk(join(dir, sub))
  return files
}

/** `@routesim/x` (and `routesim`) package names imported by a file: static, type-only and dynamic imports. */
function importedPackages(text: string): Set<string> {
  const found = new Set<string>()
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](@routesim\/[a-z0-9-]+|routesim)(?:\/[^'"]*)?['"]/g)) found.add(m[1]!)
  return found
}

describe('layering: no upward imports, no cycles', () => {
  it('places every workspace package on a layer', () => {
    expect(all.map((m) => m.name).filter((n) => !layerOf.has(n))).toEqual([])
  })

  for (const m of all) {
    it(`${m.name} depends only on lower layers`, () => {
      const own = layerOf.get(m.name)!
      const upward = [...workspace(m.dependencies), ...workspace(m.peerDependencies)].filter((d) => layerOf.get(d)! >= own)
      expect(upward, `${m.name} (layer ${own}) → ${upward.map((d) => `${d} (layer ${layerOf.get(d)})`).join(', ')}`).toEqual([])
    })
  }

  it('has no cycle, counting devDependencies too', () => {
    const edges = new Map(all.map((m) => [m.name, [...workspace(m.dependencies), ...workspace(m.peerDependencies), ...workspace(m.devDependencies)]]))
    const state = new Map<string, 'open' | 'done'>()
    const cycles: string[] = []
    const visit = (name: string, path: string[]) => {
      if (state.get(name) === 'done') return
      if (state.get(name) === 'open') {
        cycles.push([...path.slice(path.indexOf(name)), name].join(' → '))
        return
      }
      state.set(name, 'open')
      for (const next of edges.get(name) ?? []) visit(next, [...path, name])
      state.set(name, 'done')
    }
    for (const name of edges.keys()) visit(name, [])
    expect(cycles).toEqual([])
  })

  for (const m of all) {
    it(`${m.name} imports only the workspace packages it declares`, () => {
      const runtime = new Set([...workspace(m.dependencies), ...workspace(m.peerDependencies)])
      const anyKind = new Set([...runtime, ...workspace(m.devDependencies)])
      const problems: string[] = []
      for (const file of sourceFiles(m.dir)) {
        const rel = relative(m.dir, file)
        const isTest = /\.(test|test-d|bench|fuzz\.test)\.[mc]?[jt]sx?$/.test(file) || /^(test|bench|usage)\//.test(rel)
        for (const name of importedPackages(readFileSync(file, 'utf8'))) {
          if (name === m.name) continue
          if (!(isTest ? anyKind : runtime).has(name)) problems.push(`${rel} imports ${name}, not in its ${isTest ? '(dev)' : ''}dependencies`)
        }
      }
      expect(problems).toEqual([])
    })
  }

  it('catches an upward import and a cycle (the checks can fail)', () => {
    expect([...importedPackages("import { x } from '@routesim/simulator'\nconst y = await import('@routesim/gpu/node')")]).toEqual([
      '@routesim/simulator',
      '@routesim/gpu',
    ])
    expect(layerOf.get('@routesim/simulator')! >= layerOf.get('@routesim/core')!).toBe(true)
  })
})
