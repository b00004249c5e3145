import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasTorch, python, pythonRequired } from '../../io/test/python.ts'
import { runRoutesim, runRoutesimJson } from '../test/run-routesim.ts'

// docs/traces.md is run as written: every `<!-- test: sh -->` block's routesim commands and every
// `<!-- test: python -->` block, in order, in one directory, against files routesim and real
// numpy/torch write there (the engines' recordings are synthesised in their formats).
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const doc = readFileSync(join(repo, 'docs/traces.md'), 'utf8')

interface Block {
  readonly kind: 'sh' | 'python'
  readonly line: number
  readonly code: string
}

function testedBlocks(): Block[] {
  const lines = doc.split('\n')
  const out: Block[] = []
  for (let i = 1; i < lines.length; i++) {
    const tag = /^<!-- test: (sh|python) -->$/.exec(lines[i - 1]!)
    if (!tag || !lines[i]!.startsWith('```')) continue
    const end = lines.indexOf('```', i + 1)
    out.push({ kind: tag[1] as 'sh' | 'python', line: i + 1, code: lines.slice(i + 1, end).join('\n') })
    i = end
  }
  return out
}

const FIXTURES = String.raw`
import numpy as np, torch
g = torch.Generator().manual_seed(11)
E, K, L, T = 128, 8, 4, 512
pop = torch.tensor([1.0 / (e + 1) ** 1.1 for e in range(E)])
# SGLang stat dump: 6 buffered passes (the last unused), layer 0 dense, top-8 of 128 experts per token.
buf = torch.zeros(6, L, E, dtype=torch.int32)
for s in range(5):
    for l in range(1, L):
        ids = torch.multinomial(pop[torch.randperm(E, generator=g)].expand(T, E), K, replacement=False, generator=g)
        buf[s, l] = torch.bincount(ids.flatten(), minlength=E).to(torch.int32)
torch.save(dict(rank=0, logical_count=buf, average_utilization_rate_over_window=None), "expert_distribution_recorder_stat.pt")
# vLLM: routed_experts [tokens, layers, top_k], layer 0 dense (zeros)
re_ = np.zeros((200, L, K), dtype=np.int16)
for l in range(1, L):
    re_[:, l] = torch.multinomial(pop.expand(200, E), K, replacement=False, generator=g).numpy()
np.savez("vllm_routing.npz", routed_experts=re_)
np.save("routed_experts.npy", re_)
`

describe.runIf(hasTorch || pythonRequired)('docs/traces.md runs as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routesim-traces-doc-'))
  const cwd = process.cwd()
  beforeAll(() => {
    process.chdir(dir)
    python(FIXTURES)
  }, 120_000)
  afterAll(() => {
    process.chdir(cwd)
    rmSync(dir, { recursive: true, force: true })
  })

  const blocks = testedBlocks()
  it('has the blocks this test runs', () => {
    expect(blocks.map((b) => b.kind)).toEqual(['sh', 'python', 'sh', 'sh', 'sh'])
  })

  for (const block of blocks) {
    it(`line ${block.line} (${block.kind}) runs`, async () => {
      if (block.kind === 'python') {
        const printed = python(block.code).trim().split('\n')
        expect(printed[0]).toBe('(4096, 8) torch.int32 torch.float32')
        // The benchmark sees the load routesim reported for the same file.
        const analysis = await runRoutesimJson<{ summary: { maxOverMean: number } }>('analyze', 'routing.npz', '--json')
        expect(printed[1]).toBe(`max/mean load ${Math.round(analysis.summary.maxOverMean * 1000) / 1000}`)
        return
      }
      for (const command of block.code.split('\n').filter((l) => l.trim() !== '')) {
        const argv = command.trim().split(/\s+/)
        expect(argv[0]).toBe('routesim')
        const run = await runRoutesim(...argv.slice(1))
        expect(run.code, `${command}\n${run.stderr}`).toBe(0)
        if (argv.includes('--json')) expect(() => JSON.parse(run.stdout) as unknown).not.toThrow()
      }
      if (block.code.includes('--scenario-out fitted.json')) expect(existsSync(join(dir, 'fitted.json'))).toBe(true)
    })
  }

  it("the README's trace commands run as printed", async () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8')
    const block = [...readme.matchAll(/```sh\n([^`]*)```/g)].map((m) => m[1]!).find((b) => b.includes('routesim --trace '))
    expect(block).toBeDefined()
    for (const command of block!.split('\n').filter((l) => l.trim() !== '')) {
      const argv = command.trim().split(/\s+/)
      expect(argv[0]).toBe('routesim')
      const run = await runRoutesim(...argv.slice(1), ...(argv[1] === '--trace' ? ['--quiet'] : []))
      expect(run.code, `${command}\n${run.stderr}`).toBe(0)
    }
  })
})

describe('docs/traces.md', () => {
  it('links only to files that exist', () => {
    const targets = [...doc.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t))
    expect(targets.filter((t) => !existsSync(resolve(join(repo, 'docs'), t)))).toEqual([])
  })
})
