import type { Static } from '@sinclair/typebox'
import { describe, expectTypeOf, it } from 'vitest'
import { type ScenarioFileSchema, parseScenario } from '../index.ts'
import type { CapacitySetting, Scenario, ScenarioFile, StrategyChoice } from '../index.ts'

// Type tests of the public API's inference: the scenario file's type is the schema's.
describe('scenario types', () => {
  it('ScenarioFile is inferred from ScenarioFileSchema', () => {
    expectTypeOf<ScenarioFile>().toEqualTypeOf<Static<typeof ScenarioFileSchema>>()
    expectTypeOf<ScenarioFile['preset']>().toEqualTypeOf<string>()
    expectTypeOf<ScenarioFile['tokensPerStep']>().toEqualTypeOf<number>()
    expectTypeOf<ScenarioFile['seed']>().toEqualTypeOf<number | string | undefined>()
    expectTypeOf<NonNullable<ScenarioFile['parallel']>['placement']>().toEqualTypeOf<'linear' | 'round_robin' | undefined>()
    expectTypeOf<NonNullable<ScenarioFile['eplb']>['policy']>().toEqualTypeOf<'auto' | 'hierarchical' | 'global' | undefined>()
    expectTypeOf<NonNullable<ScenarioFile['strategy']>>().toEqualTypeOf<string | { name: string; params?: Record<string, unknown> }>()
  })

  it('a literal file type-checks as a ScenarioFile; a typo does not', () => {
    const file = { preset: 'mixtral', tokensPerStep: 8, steps: 2, strategy: 'zipf', parallel: { epSize: 8 } } satisfies ScenarioFile
    expectTypeOf(file).toMatchTypeOf<ScenarioFile>()
    // @ts-expect-error: `tokens` is not a field of a scenario file
    const typo: ScenarioFile = { preset: 'mixtral', tokens: 8, steps: 2 }
    void typo
  })

  it('parseScenario takes unknown input and returns a validated Scenario', () => {
    expectTypeOf(parseScenario).parameter(0).toBeUnknown()
    expectTypeOf(parseScenario).returns.toEqualTypeOf<Scenario>()
    expectTypeOf<Scenario['layerStrategies']>().toEqualTypeOf<readonly StrategyChoice[]>()
    expectTypeOf<Scenario['capacity']>().toEqualTypeOf<readonly CapacitySetting[]>()
  })
})
