#!/usr/bin/env node
// `pnpm changelog:preview`: what the next `changeset version` would write, without touching the
// repository. Copies the workspace's manifests and .changeset/ into a temporary folder, runs the
// changesets CLI's own `version` there (the same code `pnpm version-packages` runs), and prints the
// CHANGELOG.md files and version bumps it produced. No release has happened yet, so the repository
// holds changesets, not CHANGELOG.md files; see docs/releasing.md.
//
//   node scripts/changelog-preview.mjs            the changelogs, as Markdown
//   node scripts/changelog-preview.mjs --json     { packages: [{ name, dir, from, to, changelog }] }
//   node scripts/changelog-preview.mjs --out DIR  also write DIR/<package dir>/CHANGELOG.md
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, out: { type: 'string' } } })

/** Workspace package folders, from pnpm-workspace.yaml's `dir/*` globs (the only form this repository uses). */
function workspaceDirs() {
  const yaml = readFileSync(join(repo, 'pnpm-workspace.yaml'), 'utf8')
  const globs = [...yaml.matchAll(/^\s*-\s*['"]?([\w.-]+)\/\*['"]?\s*$/gm)].map((m) => m[1])
  return globs.flatMap((group) =>
    existsSync(join(repo, group))
      ? readdirSync(join(repo, group), { withFileTypes: true })
          .filter((e) => e.isDirectory() && existsSync(join(repo, group, e.name, 'package.json')))
          .map((e) => `${group}/${e.name}`)
      : [],
  )
}

const work = mkdtempSync(join(tmpdir(), 'routesim-changelog-'))
try {
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(repo, file), join(work, file))
  cpSync(join(repo, '.changeset'), join(work, '.changeset'), { recursive: true })
  const dirs = workspaceDirs()
  const before = new Map()
  for (const dir of dirs) {
    mkdirSync(join(work, dir), { recursive: true })
    const manifest = readFileSync(join(repo, dir, 'package.json'), 'utf8')
    writeFileSync(join(work, dir, 'package.json'), manifest)
    if (existsSync(join(repo, dir, 'CHANGELOG.md'))) cpSync(join(repo, dir, 'CHANGELOG.md'), join(work, dir, 'CHANGELOG.md'))
    const { name, version, private: isPrivate } = JSON.parse(manifest)
    before.set(dir, { name, version, private: isPrivate === true })
  }
  // The changelog generator named in .changeset/config.json resolves from the repository's node_modules.
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'), 'dir')
  const bin = join(repo, 'node_modules/@changesets/cli/bin.js')
  const run = spawnSync(process.execPath, [bin, 'version'], { cwd: work, encoding: 'utf8', env: { ...process.env, CI: 'true' } })
  if (run.status !== 0) {
    throw new Error(`changeset version failed (exit ${run.status}):\n${run.stdout}${run.stderr}`)
  }
  const packages = []
  for (const dir of dirs) {
    const { name, version: from, private: isPrivate } = before.get(dir)
    const to = JSON.parse(readFileSync(join(work, dir, 'package.json'), 'utf8')).version
    const path = join(work, dir, 'CHANGELOG.md')
    if (isPrivate || !existsSync(path)) continue
    packages.push({ name, dir, from, to, changelog: readFileSync(path, 'utf8') })
  }
  const pending = readdirSync(join(repo, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md').length
  if (values.out) {
    for (const p of packages) {
      mkdirSync(join(values.out, p.dir), { recursive: true })
      writeFileSync(join(values.out, p.dir, 'CHANGELOG.md'), p.changelog)
    }
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ changesets: pending, packages })}\n`)
  } else {
    process.stdout.write(`Preview of the next release: ${pending} changesets → ${packages.length} packages (nothing in the repository was changed).\n`)
    for (const p of packages) process.stdout.write(`\n<!-- ${p.dir}/CHANGELOG.md: ${p.name} ${p.from} → ${p.to} -->\n${p.changelog}`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
