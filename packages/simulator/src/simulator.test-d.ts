import { defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { IndexArray, ParametersOf, RoutingResult, RoutingStrategy, StrategyDefinition, Tensor } from '@routesim/core'
import { describe, expectTypeOf, it } from 'vitest'
import { createSimulator } from './index.ts'
import type { RoutedBatch, Simulator } from './index.ts'

// Type tests of the simulator's public API, as a plugin author and a library user write it.
const params = defineParameters({
  hot: { type: 'integer', min: 1, default: 4, description: 'hot experts' },
  mode: { type: 'enum', values: ['fixed', 'drift'], default: 'fixed', description: 'how the hot set moves' },
})

describe('simulator API types', () => {
  it('createSimulator returns a Simulator whose routing calls are typed', () => {
    const simulator = createSimulator({ seed: 1 })
    expectTypeOf(simulator).toEqualTypeOf<Simulator>()
    const result = simulator.simulateRouting({ shape: [8, 4] }, { shape: [8, 16] }, 'zipf', 2)
    expectTypeOf(result).toEqualTypeOf<RoutingResult>()
    expectTypeOf(result[0]).toEqualTypeOf<Tensor<Float32Array>>()
    expectTypeOf(result[1]).toEqualTypeOf<Tensor<IndexArray>>()
    expectTypeOf(
      simulator.route({ strategy: 'zipf', hiddenStates: { shape: [8, 4] }, routerLogits: { shape: [8, 16] }, topK: 2 }),
    ).resolves.toEqualTypeOf<RoutedBatch>()
    expectTypeOf(simulator.createStrategy).returns.toEqualTypeOf<RoutingStrategy>()
    // @ts-expect-error: topK is required
    void simulator.route({ strategy: 'zipf', hiddenStates: { shape: [8, 4] }, routerLogits: { shape: [8, 16] } })
  })

  it("a plugin's definition gets typed parameters from its specs and registers as a StrategyDefinition", () => {
    const definition = defineStrategy<ParametersOf<typeof params>>({
      name: 'hot_set',
      description: 'a typed plugin',
      parameters: params,
      create: (p) => {
        expectTypeOf(p.hot).toEqualTypeOf<number>()
        expectTypeOf(p.mode).toEqualTypeOf<'fixed' | 'drift'>()
        return createSimulator().getStrategy('uniform_random')
      },
    })
    expectTypeOf(definition).toMatchTypeOf<StrategyDefinition>()
    createSimulator().registerStrategy(definition.name, definition)
    expectTypeOf(resolveParameters('hot_set', params, { hot: 2 }).mode).toEqualTypeOf<'fixed' | 'drift'>()
  })
})
