import { createWasmBackend } from '@routesim/wasm'
import { createSimulator } from '@routesim/simulator'
import { runCli } from 'routesim'
import { describe, expect, it } from 'vitest'
import { int32Digest, routeLayer, tokenExpertHeatmap } from './route-layer.ts'
import { readState, strategyParams, writeState } from './url-state.ts'

async function cli(args: string[]): Promise<{ code: number; json?: Record<string, any>; err: string }> {
  let out = ''
  let err = ''
  const code = await runCli([...args, '--json'], { writeOut: (t) => (out += t), writeErr: (t) => (err += t) })
  return code === 0 ? { code, json: JSON.parse(out), err } : { code, err }
}

const strategies = createSimulator().getAvailableStrategies()

describe('routeLayer routes what `routesim route --json` routes', () => {
  it.each(strategies)('%s: same counts as the CLI, on the reference and on the wasm backend', async (strategy) => {
    const shape = { tokens: 777, experts: 64, topK: 4, seed: 11 }
    const res = await cli(['route', '-s', strategy, '-t', '777', '-e', '64', '-k', '4', '--seed', '11', '--ep-size', '8'])
    const wasm = await createWasmBackend()
    try {
      if (res.code !== 0) {
        // A strategy the CLI refuses with its defaults (a required parameter) is refused here too.
        await expect(routeLayer({ strategy, params: {}, ...shape, epSize: 8 })).rejects.toThrow()
        return
      }
      const json = res.json!
      const reference = await routeLayer({ strategy, params: {}, ...shape, epSize: 8 })
      const onWasm = await routeLayer({ strategy, params: {}, ...shape, epSize: 8 }, wasm)
      expect(Array.from(reference.counts)).toEqual(json['counts'])
      expect(Array.from(onWasm.counts)).toEqual(json['counts'])
      expect(int32Digest(onWasm.ids)).toBe(int32Digest(reference.ids))
      expect(reference.summary.max).toBe(json['summary'].max)
      expect(reference.ranks?.balancedness).toBe(json['summary'].balancedness)
      expect(reference.duplicateIdRate).toBe(json['summary'].duplicateIdRate)
      expect(reference.parameters).toEqual(json['parameters'])
    } finally {
      wasm.dispose()
    }
  })

  it('the URL of the README routes as `-p exponent=1.2` does, and writes back to the same query', async () => {
    const query = '?strategy=zipf&tokens=4096&experts=256&top-k=8&seed=1&exponent=1.2'
    const state = readState(query)
    const specs = createSimulator().describeStrategy('zipf').parameters
    const params = strategyParams('zipf', specs, state.params)
    expect(params).toEqual({ exponent: 1.2 })
    const layer = await routeLayer({ strategy: state.strategy, params, tokens: state.tokens, experts: state.experts, topK: state.topK, seed: state.seed })
    const res = await cli(['route', '--strategy', 'zipf', '--tokens', '4096', '--experts', '256', '--top-k', '8', '--seed', '1', '-p', 'exponent=1.2'])
    expect(Array.from(layer.counts)).toEqual(res.json!['counts'])
    expect(writeState(state)).toBe(query)
  })

  it('rejects a bad URL value with a typed error naming the key', () => {
    expect(() => readState('?tokens=-3')).toThrow(/tokens/)
    expect(() => readState('?view=nope')).toThrow(/view/)
    expect(() => strategyParams('zipf', createSimulator().describeStrategy('zipf').parameters, { exponent: 'hot' })).toThrow(/zipf\.exponent/)
  })

  it('samples heatmap rows evenly and puts each token’s weights on its experts', () => {
    const ids = Int32Array.from([0, 1, 2, 3, 1, 2, 3, 0])
    const weights = Float32Array.from([0.5, 0.5, 0.25, 0.75, 1, 0, 0.5, 0.5])
    const all = tokenExpertHeatmap(ids, weights, 4, 2, 4)
    expect(all.rows).toBe(4)
    expect(Array.from(all.data.subarray(0, 4))).toEqual([0.5, 0.5, 0, 0])
    expect(Array.from(all.data.subarray(8, 12))).toEqual([0, 1, 1, 0]) // weight 0 is drawn as a plain hit
    const two = tokenExpertHeatmap(ids, weights, 4, 2, 4, 2)
    expect(Array.from(two.tokenIndex)).toEqual([0, 2])
  })
})
