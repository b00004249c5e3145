import type { Static } from '@sinclair/typebox'
import { describe, expectTypeOf, it } from 'vitest'
import { defineParameters, defineStrategy, parameterValidator, resolveParameters } from './index.ts'
import type { ParameterSpecs, ParametersOf, RoutingStrategy, StrategyDefinition } from './index.ts'

// Type tests of the public API's inference: what a plugin author gets from literal parameter specs.
const specs = defineParameters({
  exponent: { type: 'number', min: 0, default: 1, description: 'zipf exponent' },
  topGroups: { type: 'integer', min: 1, optional: true, description: 'groups kept' },
  layout: { type: 'enum', values: ['per_layer', 'identity'], default: 'per_layer', description: 'layout' },
  bias: { type: 'number[]', optional: true, description: 'per-expert bias' },
  renormalize: { type: 'boolean', default: true, description: 'renormalize' },
  label: { type: 'string', description: 'required text' },
})

describe('parameter types are inferred from their schema', () => {
  it('resolveParameters returns the resolved parameters typed by their specs', () => {
    const p = resolveParameters('demo', specs, {})
    expectTypeOf(p.exponent).toEqualTypeOf<number>()
    expectTypeOf(p.layout).toEqualTypeOf<'per_layer' | 'identity'>()
    expectTypeOf(p.renormalize).toEqualTypeOf<boolean>()
    expectTypeOf(p.label).toEqualTypeOf<string>()
    expectTypeOf(p).toHaveProperty('topGroups')
    expectTypeOf(p.topGroups).toEqualTypeOf<number | undefined>()
    expectTypeOf(p.bias).toEqualTypeOf<number[] | undefined>()
    // @ts-expect-error: a key the specs do not have is not a parameter
    void p.exponnent
  })

  it('a default makes a parameter present; optional without a default leaves it optional', () => {
    type P = ParametersOf<typeof specs>
    expectTypeOf<P>().toMatchTypeOf<{ exponent: number; layout: string; renormalize: boolean; label: string }>()
    expectTypeOf<Pick<P, 'topGroups'>>().toEqualTypeOf<{ topGroups?: number }>()
  })

  it('specs known only at run time resolve to a plain record', () => {
    expectTypeOf<ParametersOf<ParameterSpecs>>().toEqualTypeOf<Record<string, unknown>>()
    const wide: ParameterSpecs = specs
    expectTypeOf(resolveParameters('plugin', wide)).toEqualTypeOf<Record<string, unknown>>()
  })

  it("each parameter's static type is TypeBox's Static of its schema", () => {
    const validator = parameterValidator(specs)
    type FromSchema = Static<(typeof validator.schema)['properties']['layout']>
    expectTypeOf<FromSchema>().toEqualTypeOf<'per_layer' | 'identity'>()
    expectTypeOf(validator.check).parameter(0).toBeUnknown()
    expectTypeOf(validator.check).returns.toEqualTypeOf<boolean>()
  })

  it('defineStrategy keeps a typed create', () => {
    const definition = defineStrategy<ParametersOf<typeof specs>>({
      name: 'typed',
      description: 'typed parameters',
      parameters: specs,
      create: (params) => {
        expectTypeOf(params.layout).toEqualTypeOf<'per_layer' | 'identity'>()
        return {} as RoutingStrategy
      },
    })
    expectTypeOf(definition).toMatchTypeOf<StrategyDefinition<ParametersOf<typeof specs>>>()
  })
})
