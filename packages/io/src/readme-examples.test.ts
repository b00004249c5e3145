import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

// The README's examples are real code: each block runs (in a scratch directory, as a user's script
// would), and every `console.log(...) // → text` line must print exactly `text`.
const here = dirname(fileURLToPath(import.meta.url))
const readme = readFileSync(resolve(here, '../README.md'), 'utf8')
// Scratch modules live inside the package so its dependencies resolve; one folder per process.
const scratch = resolve(here, `../test/.readme-${process.pid}`)
const work = mkdtempSync(join(tmpdir(), 'routesim-io-readme-'))

function blocks(): { line: number; code: string }[] {
  const lines = readme.split('\n')
  const out: { line: number; code: string }[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue
    const end = lines.indexOf('```', i + 1)
    out.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') })
    i = end
  }
  return out
}

describe('packages/io/README.md examples', () => {
  const cwd = process.cwd()
  beforeAll(() => {
    mkdirSync(scratch, { recursive: true })
    process.chdir(work)
  })
  afterAll(() => {
    process.chdir(cwd)
    rmSync(scratch, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  })

  const all = blocks()
  it('has an example for each part of the API', () => {
    expect(all.length).toBeGreaterThanOrEqual(7)
  })

  for (const block of all) {
    it(`line ${block.line} runs and prints what it says`, async () => {
      const path = join(scratch, `block-${block.line}.ts`)
      writeFileSync(path, `${block.code.replaceAll("from '@routesim/io'", `from ${JSON.stringify(resolve(here, 'index.ts'))}`)}\nexport {}\n`)
      const printed: string[] = []
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(format(...args)))
      await import(/* @vite-ignore */ path)
      const expected = block.code
        .split('\n')
        .filter((l) => l.includes('console.log('))
        .map((l) => /\/\/ → (.*)$/.exec(l)?.[1])
      expect(expected.every((e) => e !== undefined)).toBe(true)
      expect(printed).toEqual(expected)
    })
  }
})
