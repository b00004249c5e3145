import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// `pnpm changelog:preview` runs changesets' own `changeset version` on a temporary copy of the
// workspace. Here: every pending changeset lands in the CHANGELOG.md of every package it names, under
// the right heading, with the version its bump implies, and the repository itself is left untouched.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

interface Preview {
  changesets: number
  packages: { name: string; dir: string; from: string; to: string; changelog: string }[]
}

type Bump = 'major' | 'minor' | 'patch'
const HEADINGS: Record<Bump, string> = { major: '### Major Changes', minor: '### Minor Changes', patch: '### Patch Changes' }
const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 }

function changesets(): { file: string; bumps: Map<string, Bump>; summary: string }[] {
  const dir = join(repo, '.changeset')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8')
      const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)
      if (!m) throw new Error(`${file}: no front matter`)
      const bumps = new Map<string, Bump>()
      for (const line of m[1]!.split('\n').filter(Boolean)) {
        const entry = /^["']?([^"':]+)["']?:\s*(major|minor|patch)$/.exec(line.trim())
        if (!entry) throw new Error(`${file}: bad front-matter line ${line}`)
        bumps.set(entry[1]!, entry[2] as Bump)
      }
      return { file, bumps, summary: m[2]!.trim() }
    })
}

function bumped(version: string, bump: Bump): string {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number]
  if (bump === 'major') return `${major + 1}.0.0`
  if (bump === 'minor') return `${major}.${minor + 1}.0`
  return `${major}.${minor}.${patch + 1}`
}

/** The package's section for one version: from its `## version` heading to the next one. */
function section(changelog: string, version: string): string {
  const start = changelog.indexOf(`\n## ${version}\n`)
  if (start < 0) return ''
  const next = changelog.indexOf('\n## ', start + 1)
  return changelog.slice(start, next < 0 ? undefined : next)
}

describe('pnpm changelog:preview', () => {
  const manifestsBefore = readdirSync(join(repo, 'packages')).map((d) => readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8'))
  const result = spawnSync(process.execPath, [join(repo, 'scripts/changelog-preview.mjs'), '--json'], { cwd: repo, encoding: 'utf8' })

  it('runs changeset version on a copy and leaves the repository as it was', () => {
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const after = readdirSync(join(repo, 'packages')).map((d) => readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8'))
    expect(after).toEqual(manifestsBefore)
    expect((JSON.parse(result.stdout) as Preview).changesets).toBe(changesets().length)
  })

  it('puts every changeset in the CHANGELOG of every package it names, under its bump, at the bumped version', () => {
    const preview = JSON.parse(result.stdout) as Preview
    const all = changesets()
    expect(all.length).toBeGreaterThan(0)
    const byName = new Map(preview.packages.map((p) => [p.name, p]))
    const highest = new Map<string, Bump>()
    for (const { bumps } of all) for (const [name, bump] of bumps) if (!highest.has(name) || RANK[bump] > RANK[highest.get(name)!]) highest.set(name, bump)

    for (const { file, bumps, summary } of all) {
      for (const [name, bump] of bumps) {
        const p = byName.get(name)
        expect(p, `${file} names ${name}`).toBeDefined()
        // At least the changeset's own bump; a dependency's bump can raise it further (never lower).
        const own = bumped(p!.from, highest.get(name)!)
        expect([own, bumped(p!.from, 'major')], `${name} version`).toContain(p!.to)
        const text = section(p!.changelog, p!.to)
        expect(text, `${name} ${p!.to}`).toContain(HEADINGS[bump])
        // changesets indents continuation lines of a summary by two spaces under its bullet.
        expect(text, `${file} in ${name}`).toContain(`- ${summary.split('\n')[0]}`)
      }
    }
  })

  it('the routesim CLI and the example plugin have changelogs, with their first line naming the package', () => {
    const preview = JSON.parse(result.stdout) as Preview
    for (const name of ['routesim', 'routesim-plugin-rank-local', '@routesim/gpu', '@routesim/simulator']) {
      const p = preview.packages.find((x) => x.name === name)
      expect(p, name).toBeDefined()
      expect(p!.changelog.split('\n')[0]).toBe(`# ${name}`)
    }
  })
})
