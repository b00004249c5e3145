import { balancedness } from '@routesim/analysis'
import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { TEST_DEFINITIONS } from '../../test/fixtures.ts'
import { parseScenario } from '../scenario/parse-scenario.ts'
import { createDefinitionCatalog } from '../scenario/strategy-catalog.ts'
import { createSimulator } from '@routesim/simulator'
import { iterateScenario, runScenario } from './run-scenario.ts'
import type { StepResult } from './step-result.ts'

// The test strategies, registered on a simulator of their own: scenarios take strategies from it.
const simulator = createSimulator({ builtIns: false })
for (const definition of TEST_DEFINITIONS) simulator.registerStrategy(definition.name, definition)

function scenario(overrides: Record<string, unknown> = {}) {
  return parseScenario(
    { preset: 'deepseek-v3', layers: 3, tokensPerStep: 256, steps: 6, seed: 7, strategy: 'test_uniform', parallel: { epSize: 8, nodes: 2 }, ...overrides },
    { simulator },
  )
}

async function collect(s: ReturnType<typeof scenario>) {
  const steps: StepResult[] = []
  const summary = await runScenario(s, { simulator, onStep: (r) => void steps.push(r) })
  return { steps, summary }
}

describe('runScenario', () => {
  test.prop([fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 1000 })], { numRuns: 15 })(
    'counts sum to T·k in every layer, rank loads too',
    async (tokens, seed) => {
      const { steps } = await collect(
        scenario({ tokensPerStep: tokens, steps: 2, seed, eplb: { redundantExperts: 8, stepInterval: 1, replicaChoice: 'random' } }),
      )
      for (const step of steps) {
        for (const layer of step.layers) {
          expect(layer.load.total).toBe(tokens * 8)
          expect(layer.balancedness.deployed).toBeGreaterThan(0)
          expect(layer.balancedness.deployed).toBeLessThanOrEqual(1)
        }
        expect(step.balancedness.deployed.meanLoadSum).toBeCloseTo((3 * tokens * 8) / 8, 9)
      }
    },
  )

  it('is deterministic by seed and differs across seeds', async () => {
    const a = await collect(scenario({ eplb: { redundantExperts: 32, stepInterval: 2, replicaChoice: 'random' } }))
    const b = await collect(scenario({ eplb: { redundantExperts: 32, stepInterval: 2, replicaChoice: 'random' } }))
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
    const c = await collect(scenario({ seed: 8, eplb: { redundantExperts: 32, stepInterval: 2, replicaChoice: 'random' } }))
    expect(JSON.stringify(c.steps)).not.toBe(JSON.stringify(a.steps))
  })

  it('EPLB improves balancedness on a skewed strategy and reports what it moved', async () => {
    const { steps, summary } = await collect(
      scenario({
        strategy: { name: 'test_skewed', params: { s: 1.1 } },
        steps: 12,
        tokensPerStep: 512,
        eplb: { redundantExperts: 32, stepInterval: 4, windowSize: 4 },
      }),
    )
    const events = steps.flatMap((s) => (s.rebalance ? [s.rebalance] : []))
    // vLLM schedule: first rearrangement after interval/4 = 1 step, then every 4 steps
    expect(events.map((e) => e.afterStep)).toEqual([0, 4, 8])
    for (const e of events) {
      expect(e.balancednessAfter).toBeGreaterThan(e.balancednessBefore)
      expect(e.expertsMoved).toBeGreaterThan(0)
      expect(e.slotsChanged).toBeGreaterThan(0)
    }
    const first = steps[0]!.balancedness
    const last = steps.at(-1)!.balancedness
    // step 0 routes on vLLM's initial map (redundant slots copy experts 0..31), before any rearrangement
    expect(last.deployed.perLayerMean).toBeGreaterThan(first.deployed.perLayerMean + 0.1)
    expect(last.deployed.perLayerMean).toBeGreaterThan(last.static.perLayerMean + 0.1)
    expect(summary.eplb.rebalances).toBe(3)
    expect(summary.eplb.meanBalancednessAfter).toBeGreaterThan(summary.eplb.meanBalancednessBefore)
  })

  it('without EPLB the deployed layout is the static one', async () => {
    const { steps, summary } = await collect(scenario({ strategy: 'test_skewed' }))
    for (const s of steps) expect(s.balancedness.deployed).toEqual(s.balancedness.static)
    expect(summary.eplb).toMatchObject({ enabled: false, rebalances: 0, duplicateReplicas: 0 })
  })

  it('modulo sends slot j of every token to replica j mod copies', async () => {
    // Mixtral E=8 on EP 4 with 8 redundant slots: experts 0-3 on ranks 0 and 2, experts 4-7 on ranks 1 and 3.
    // k = 2, so flat position t·2 + j picks replica j: first choices land on ranks {0,1}, second on {2,3}.
    const s = parseScenario(
      {
        preset: 'mixtral',
        layers: 2,
        tokensPerStep: 64,
        steps: 3,
        strategy: 'test_uniform',
        parallel: { epSize: 4 },
        eplb: { enabled: false, redundantExperts: 8 },
      },
      { simulator },
    )
    const { summary } = await collect(s)
    const m = summary.traffic.matrix
    const column = (dst: number) => [0, 1, 2, 3].reduce((a, src) => a + m[src * 4 + dst]!, 0)
    expect(column(0) + column(1)).toBe(64 * 3 * 2)
    expect(column(2) + column(3)).toBe(64 * 3 * 2)
    expect(summary.eplb.duplicateReplicas).toBe(0)
  })

  it('places every slot on every rearrangement', async () => {
    const { steps } = await collect(scenario({ strategy: 'test_skewed', steps: 5, eplb: { redundantExperts: 32, stepInterval: 2, policy: 'global' } }))
    const events = steps.flatMap((s) => (s.rebalance ? [s.rebalance] : []))
    expect(events.length).toBeGreaterThan(0)
    for (const e of events) {
      expect(e.policy).toBe('global')
      expect(e.replicasPlaced).toBe(3 * 288)
      expect(e.expertsWithoutReplica).toBe(0)
    }
  })

  it('preserving intra-GPU slots changes fewer slots for the same placement', async () => {
    const base = { strategy: 'test_skewed', steps: 9, eplb: { redundantExperts: 32, stepInterval: 4, windowSize: 4 } }
    const plain = await collect(scenario(base))
    const kept = await collect(scenario({ ...base, eplb: { ...base.eplb, preserveIntraGpuSlots: true } }))
    const events = (r: typeof plain) => r.steps.flatMap((s) => (s.rebalance ? [s.rebalance] : []))
    const [a, b] = [events(plain), events(kept)]
    expect(b.map((e) => e.expertTransfers)).toEqual(a.map((e) => e.expertTransfers))
    expect(b.reduce((s, e) => s + e.slotsChanged, 0)).toBeLessThan(a.reduce((s, e) => s + e.slotsChanged, 0))
  })

  it('rearranges from a round-robin start map', async () => {
    const { steps } = await collect(
      scenario({
        strategy: 'test_skewed',
        steps: 3,
        parallel: { epSize: 8, nodes: 2, placement: 'round_robin' },
        eplb: { redundantExperts: 32, stepInterval: 2 },
      }),
    )
    const e = steps.flatMap((s) => (s.rebalance ? [s.rebalance] : []))[0]!
    expect(e.replicasPlaced).toBe(3 * 288)
    // a transfer is a (GPU, expert) pair the new map adds, so there are at most as many as slots
    expect(e.expertTransfers).toBeGreaterThan(0)
    expect(e.expertTransfers).toBeLessThanOrEqual(3 * 288)
    expect(e.balancednessAfter).toBeGreaterThan(e.balancednessBefore)
  })

  it('counts drops per capacity setting', async () => {
    const { steps, summary } = await collect(
      scenario({
        strategy: 'test_skewed',
        capacity: [
          { policy: 'megatron', capacityFactor: 1 },
          { policy: 'capacity_aware', gamma: 100 },
        ],
      }),
    )
    const [megatron, generous] = summary.drops
    expect(megatron!.label).toBe('megatron@1')
    expect(megatron!.dropped).toBeGreaterThan(0)
    expect(megatron!.droppedFraction).toBeCloseTo(megatron!.dropped / (6 * 3 * 256 * 8), 12)
    expect(generous!.dropped).toBe(0)
    // capacity = ceil(T·k/E · cf) = ceil(256·8/256) = 8
    expect(steps[0]!.layers[0]!.drops[0]!.capacity).toBe(8)
  })

  it('rank_local keeps tokens home when every rank holds every expert', async () => {
    const s = parseScenario(
      {
        preset: 'mixtral',
        layers: 2,
        tokensPerStep: 64,
        steps: 2,
        strategy: 'test_uniform',
        parallel: { epSize: 2 },
        eplb: { enabled: false, redundantExperts: 8, replicaChoice: 'rank_local', initialReplicaCounts: [2, 2, 2, 2, 2, 2, 2, 2] },
      },
      { simulator },
    )
    // physicalToLogicalFromCounts: slots 0..7 = experts 0..7 (rank 0), 8..15 = experts 0..7 (rank 1)
    const { summary } = await collect(s)
    expect(summary.traffic.tokensLeavingRank).toBe(0)
    const modulo = await collect(
      parseScenario(
        {
          ...JSON.parse(JSON.stringify({ preset: 'mixtral', layers: 2, tokensPerStep: 64, steps: 2, strategy: 'test_uniform', parallel: { epSize: 2 } })),
          eplb: { enabled: false, redundantExperts: 8, initialReplicaCounts: [2, 2, 2, 2, 2, 2, 2, 2] },
        },
        { simulator },
      ),
    )
    expect(modulo.summary.traffic.tokensLeavingRank).toBeGreaterThan(0)
  })

  it('feeds fresh logits to strategies that read them', async () => {
    const { steps } = await collect(scenario({ strategy: 'test_logit_topk', tokensPerStep: 32, steps: 2, logits: { std: 2 } }))
    expect(steps[0]!.layers[0]!.load.total).toBe(256)
    expect(JSON.stringify(steps[0]!.layers[0]!.load)).not.toBe(JSON.stringify(steps[1]!.layers[0]!.load))
  })

  it('stops between steps when aborted', async () => {
    const controller = new AbortController()
    const seen: number[] = []
    const run = runScenario(scenario({ steps: 50 }), {
      simulator,
      signal: controller.signal,
      onStep: (r) => {
        seen.push(r.step)
        if (r.step === 2) controller.abort(new Error('enough'))
      },
    })
    await expect(run).rejects.toThrow('enough')
    expect(seen).toEqual([0, 1, 2])
  })

  it('keeps bounded state: the summary does not grow with steps', async () => {
    const short = await collect(scenario({ steps: 2 }))
    const it = iterateScenario(scenario({ steps: 40 }), { simulator })
    let next = await it.next()
    while (!next.done) next = await it.next()
    expect(JSON.stringify(next.value).length).toBeLessThan(JSON.stringify(short.summary).length * 1.2)
    expect(next.value.tokenLayers).toBe(40 * 256 * 3)
  })

  it('hands out per-layer rank loads, static and deployed, only when asked, without changing the run', async () => {
    const s = scenario({
      strategy: { name: 'test_skewed', params: { s: 1.1 } },
      steps: 8,
      tokensPerStep: 512,
      eplb: { redundantExperts: 32, stepInterval: 4, windowSize: 4 },
    })
    const plain = await collect(s)
    const steps: StepResult[] = []
    await runScenario(s, { simulator, rankLoads: true, onStep: (r) => void steps.push(r) })
    expect(plain.steps[0]!.layers[0]!.rankLoads).toBeUndefined()
    let differ = 0
    for (const step of steps) {
      for (const layer of step.layers) {
        const loads = layer.rankLoads!
        expect(loads.static).toHaveLength(8)
        expect(loads.deployed).toHaveLength(8)
        expect(loads.static.reduce((a, b) => a + b, 0)).toBe(512 * 8)
        expect(loads.deployed.reduce((a, b) => a + b, 0)).toBe(512 * 8)
        expect(balancedness(loads.static)).toBe(layer.balancedness.static)
        expect(balancedness(loads.deployed)).toBe(layer.balancedness.deployed)
        if (step.step > 0 && loads.static.some((v, i) => v !== loads.deployed[i])) differ++
      }
    }
    expect(differ).toBeGreaterThan(0) // after EPLB the deployed map spreads the load differently
    const strip = (r: StepResult) => ({ ...r, layers: r.layers.map(({ rankLoads: _, ...rest }) => rest) })
    expect(JSON.stringify(steps.map(strip))).toBe(JSON.stringify(plain.steps))
  })

  it('the deprecated catalog path (createDefinitionCatalog, resolveStrategy) gives the same results as the simulator', async () => {
    const catalog = createDefinitionCatalog(TEST_DEFINITIONS)
    const s = parseScenario(
      { preset: 'deepseek-v3', layers: 2, tokensPerStep: 128, steps: 3, seed: 5, strategy: 'test_uniform', parallel: { epSize: 8 } },
      { catalog },
    )
    const viaCatalog = await runScenario(s, { resolveStrategy: catalog.resolve })
    const viaSimulator = await runScenario(s, { simulator })
    // Only where the layers ran differs (a resolver keeps them on this thread).
    expect(JSON.stringify({ ...viaCatalog, execution: undefined })).toBe(JSON.stringify({ ...viaSimulator, execution: undefined }))
  })
})
