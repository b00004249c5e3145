import { Ajv } from 'ajv'
import { parse as parseJsonc, type ParseError } from 'jsonc-parser'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseScenario } from './parse-scenario.ts'
import { scenarioJsonSchema, scenarioJsonSchemaText } from './scenario-schema.ts'

const packageRoot = fileURLToPath(new URL('../..', import.meta.url))
const repoRoot = join(packageRoot, '../..')
const committed = readFileSync(join(packageRoot, 'scenario.schema.json'), 'utf8')

// A real JSON Schema validator (what editors and other tools use), not our own parser.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false })
const validate = ajv.compile(JSON.parse(committed))

function markdownFiles(): string[] {
  const files = [join(repoRoot, 'README.md')]
  for (const dir of [join(repoRoot, 'docs')]) for (const f of readdirSync(dir)) if (f.endsWith('.md')) files.push(join(dir, f))
  for (const group of ['packages', 'apps', 'examples']) {
    for (const name of readdirSync(join(repoRoot, group))) {
      const readme = join(repoRoot, group, name, 'README.md')
      if (existsSync(readme)) files.push(readme)
    }
  }
  return files
}

/** Every ```json / ```jsonc block of the docs that is a scenario (an object naming a preset). */
function docScenarios(): { where: string; scenario: unknown }[] {
  const out: { where: string; scenario: unknown }[] = []
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8')
    for (const match of text.matchAll(/^```jsonc?\n([\s\S]*?)^```/gm)) {
      const errors: ParseError[] = []
      const value: unknown = parseJsonc(match[1]!, errors, { allowTrailingComma: false })
      const line = text.slice(0, match.index).split('\n').length
      if (typeof value === 'object' && value !== null && 'preset' in value) {
        expect(errors, `${file}:${line} is not valid JSON(C)`).toEqual([])
        out.push({ where: `${file.slice(repoRoot.length + 1)}:${line}`, scenario: value })
      }
    }
  }
  const examples = join(packageRoot, 'examples')
  for (const f of readdirSync(examples))
    if (f.endsWith('.json')) out.push({ where: `examples/${f}`, scenario: JSON.parse(readFileSync(join(examples, f), 'utf8')) })
  return out
}

describe('scenario.schema.json', () => {
  it('is what scripts/write-scenario-schema.mjs writes from the TypeBox schema (run `pnpm schema:write` after changing it)', () => {
    expect(committed).toBe(scenarioJsonSchemaText())
  })

  it('is a valid draft-07 JSON Schema', () => {
    expect(ajv.validateSchema(scenarioJsonSchema())).toBe(true)
  })

  const examples = docScenarios()
  it('finds the scenario examples of the docs and the example files', () => {
    const files = examples.map((e) => e.where.replace(/:\d+$/, ''))
    expect(files.filter((f) => f === 'packages/scenarios/README.md').length).toBeGreaterThanOrEqual(2)
    expect(files).toEqual(expect.arrayContaining(['examples/deepseek-v3-eplb.json', 'examples/mixtral-per-layer.json']))
  })

  it.each(examples.map((e) => [e.where, e.scenario] as const))('validates the scenario example at %s', (_where, scenario) => {
    const ok = validate(scenario)
    expect(validate.errors ?? []).toEqual([])
    expect(ok).toBe(true)
  })

  // The published schema and parseScenario agree on the shape: what one rejects, so does the other.
  const base = { preset: 'mixtral', tokensPerStep: 8, steps: 1, strategy: 'uniform_random' }
  it.each([
    ['an unknown top-level key', { ...base, tokens: 8 }],
    ['a fractional step count', { ...base, steps: 2.5 }],
    ['tokens beyond the limit', { ...base, tokensPerStep: 2 ** 23 }],
    ['a strategy object with a typo', { ...base, strategy: { name: 'zipf', parms: {} } }],
    ['params that are not an object', { ...base, strategy: { name: 'zipf', params: [1] } }],
    ['a layer range that is not a range', { ...base, layerStrategies: [{ layers: '1..3', name: 'zipf' }] }],
    ['an unknown placement', { ...base, parallel: { placement: 'striped' } }],
    ['a negative logit std', { ...base, logits: { std: -1 } }],
    ['an unknown capacity policy', { ...base, capacity: { policy: 'fifo' } }],
    ['an unknown capacity parameter', { ...base, capacity: [{ policy: 'megatron', capacityFactor: 1, cf: 2 }] }],
    ['a built-in strategy parameter out of range', { ...base, strategy: { name: 'zipf', params: { exponent: -1 } } }],
    ['an unknown parameter of a built-in strategy', { ...base, layerStrategies: [{ layers: 0, name: 'sticky', params: { stickyness: 0.5 } }] }],
    ['a zero replica count', { ...base, eplb: { initialReplicaCounts: [0, 1, 1, 1, 1, 1, 1, 2] } }],
    ['a missing step count', { preset: 'mixtral', tokensPerStep: 8, strategy: 'zipf' }],
  ])('rejects %s, as parseScenario does', (_what, file) => {
    expect(validate(file)).toBe(false)
    expect(() => parseScenario(file)).toThrow(/Invalid scenario/)
  })

  it("checks a built-in strategy's parameters, and leaves other names (plugins) to parseScenario", () => {
    expect(validate({ ...base, strategy: { name: 'grouped_topk', params: { numExpertGroup: 4, variant: 'hf' } } })).toBe(true)
    expect(validate({ ...base, strategy: { name: 'grouped_topk', params: { variant: 'deepseek' } } })).toBe(false)
    expect(validate({ ...base, strategy: { name: 'categorical', params: {} } })).toBe(false) // weights are required
    expect(validate({ ...base, strategy: { name: 'my_plugin_strategy', params: { anything: 1 } } })).toBe(true)
  })

  it('accepts a file that names its schema, as parseScenario does', () => {
    const file = { $schema: './node_modules/@routesim/scenarios/scenario.schema.json', ...base }
    expect(validate(file)).toBe(true)
    expect(parseScenario(file).tokensPerStep).toBe(8)
  })
})
