import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'node:util'
import { afterAll, describe, expect, it, vi } from 'vitest'

// The README's and docs' TypeScript examples are real code: each runs here, and every
// `console.log(...) // → text` line must print exactly `text`.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
// One folder per process, so two runs at once never delete each other's files.
const scratch = join(repo, `packages/cli/test/.doc-examples-${process.pid}`)

interface Block {
  readonly doc: string
  readonly line: number
  readonly code: string
  /** `<!-- example: skip -->` before the fence: shown, not run (e.g. a vitest suite). */
  readonly skip: boolean
  /** `<!-- file: path -->` before the fence: the block must equal that file (tested elsewhere). */
  readonly file?: string
  /** `<!-- file: path (from-name: 'spec' -> 'spec') -->`: import specifier the doc shows instead. */
  readonly rename?: readonly [string, string]
}

function blocks(doc: string): Block[] {
  const lines = readFileSync(join(repo, doc), 'utf8').split('\n')
  const found: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue
    const end = lines.indexOf('```', i + 1)
    const marker = lines[i - 1] ?? ''
    const file = /^<!-- file: (\S+)(?: \(import '([^']+)' as '([^']+)'\))? -->$/.exec(marker)
    found.push({
      doc,
      line: i + 1,
      code: lines.slice(i + 1, end).join('\n'),
      skip: marker === '<!-- example: skip -->',
      ...(file ? { file: file[1]! } : {}),
      ...(file?.[2] ? { rename: [file[2], file[3]!] as const } : {}),
    })
    i = end
  }
  return found
}

function expectedOutputs(code: string): (string | undefined)[] {
  return code
    .split('\n')
    .filter((line) => line.includes('console.log('))
    .map((line) => /\/\/ → (.*)$/.exec(line)?.[1])
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

for (const doc of ['README.md', 'docs/architecture.md', 'docs/writing-a-strategy.md']) {
  describe(doc, () => {
    const all = blocks(doc)

    it('links only to files that exist', () => {
      const text = readFileSync(join(repo, doc), 'utf8')
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t))
      const missing = targets.filter((t) => !existsSync(resolve(dirname(join(repo, doc)), t)))
      expect(missing).toEqual([])
    })

    for (const block of all.filter((b) => b.file !== undefined)) {
      it(`line ${block.line} is ${block.file} verbatim`, () => {
        let source = readFileSync(join(repo, block.file!), 'utf8').trimEnd()
        if (block.rename) source = source.replaceAll(`'${block.rename[0]}'`, `'${block.rename[1]}'`)
        expect(block.code).toBe(source)
      })
    }

    // Inline blocks run from a scratch copy; file blocks run as the file itself (test files run in the suite).
    for (const block of all.filter((b) => !b.skip && !b.file?.endsWith('.test.ts'))) {
      it(`line ${block.line} runs and prints what it says`, async () => {
        let path: string
        if (block.file) {
          path = join(repo, block.file)
        } else {
          mkdirSync(scratch, { recursive: true })
          path = join(scratch, `${doc.replace(/\W/g, '-')}-${block.line}.ts`)
          writeFileSync(path, `${block.code}\nexport {}\n`)
        }
        const printed: string[] = []
        vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(format(...args)))
        await import(/* @vite-ignore */ path)
        const expected = expectedOutputs(block.code)
        expect(printed).toHaveLength(expected.length)
        expected.forEach((text, i) => {
          if (text !== undefined) expect(printed[i], `console.log #${i + 1}`).toBe(text)
        })
      })
    }
  })
}

describe('README Quick start', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1))
  const commands = [...section.matchAll(/```sh\n([^`]*)```/g)].map((m) => m[1]!.trim())

  it('holds exactly two one-line commands: install + demo, install + test', () => {
    expect(commands).toHaveLength(2)
    for (const c of commands) expect(c.split('\n')).toHaveLength(1)
    expect(commands[0]).toBe('npx -y pnpm@12.4.2 install --frozen-lockfile && npx -y pnpm@12.4.2 demo')
  })

  it('second command is byte-identical to the one CI runs in .ci/run', () => {
    const ci = readFileSync(join(repo, '.ci/run'), 'utf8').split('\n')
    expect(ci).toContain(commands[1])
  })

  it('demo and test are root scripts (demo runs the built CLI)', () => {
    const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    expect(scripts.demo).toBe('node scripts/routesim.mjs demo')
    expect(scripts.test).toBeDefined()
  })
})
