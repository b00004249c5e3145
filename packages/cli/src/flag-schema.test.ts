import { Command } from 'commander'
import { ConfigValidationError, InvalidArgumentError } from '@routesim/core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { defineFlags, flagAtMost } from './flag-schema.ts'

const SCHEMA = defineFlags('test', {
  tokens: { type: 'integer', min: 1, max: 4096, description: 'tokens' },
  experts: { type: 'integer', min: 1, max: 256, default: 8, description: 'experts' },
  topK: { type: 'integer', min: 1, max: 64, default: 2, description: 'experts per token' },
  rate: { type: 'number', min: 0, max: 1, optional: true, description: 'a rate' },
  placement: { type: 'enum', values: ['linear', 'round_robin'], default: 'linear', description: 'placement' },
  json: { type: 'boolean', optional: true, description: 'JSON' },
})

/** Parses argv with a real commander command built from the schema; returns the flags or the error. */
function parse(...argv: string[]) {
  const command = new Command('test')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined })
    .addOption(SCHEMA.option('tokens', '-t, --tokens <T>'))
    .addOption(SCHEMA.option('experts', '-e, --experts <E>'))
    .addOption(SCHEMA.option('topK', '-k, --top-k <k>'))
    .addOption(SCHEMA.option('rate', '--rate <r>'))
    .addOption(SCHEMA.option('placement', '--placement <kind>'))
    .addOption(SCHEMA.option('json', '--json'))
  command.parse(argv, { from: 'user' })
  return SCHEMA.parse(command)
}

function caught(run: () => unknown): InvalidArgumentError {
  try {
    run()
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected an InvalidArgumentError')
}

describe('defineFlags', () => {
  it('reads every flag into its type, defaults included', () => {
    const flags = parse('-t', ' +64 ', '--rate', '.5', '--placement', 'round_robin', '--json')
    expect(flags).toEqual({ tokens: 64, experts: 8, topK: 2, rate: 0.5, placement: 'round_robin', json: true })
    expect(Object.isFrozen(flags)).toBe(true)
  })

  it('names the flag, the text typed and what is allowed, for text that is not a number and for values out of range', () => {
    for (const [argv, flag, text, allowed] of [
      [['-t', 'two'], '--tokens', 'two', 'an integer in [1, 4096]'],
      [['-t', '0x10'], '--tokens', '0x10', 'an integer in [1, 4096]'],
      [['-t', '1.5'], '--tokens', '1.5', 'an integer in [1, 4096]'],
      [['-t', '1e9'], '--tokens', '1e9', 'an integer in [1, 4096]'],
      [['-t', '8', '-e', '0'], '--experts', '0', 'an integer in [1, 256]'],
      [['-t', '8', '--rate', '2'], '--rate', '2', 'a finite number in [0, 1]'],
    ] as const) {
      const error = caught(() => parse(...argv))
      expect({ parameter: error.parameter, value: error.value, allowed: error.allowed }).toEqual({ parameter: flag, value: text, allowed })
      expect(error.message).toBe(`Invalid ${flag}: "${text}". Allowed: ${allowed}.`)
    }
  })

  it("lists every bad flag, in the command's order, when more than one is bad (as simulate lists its flags)", () => {
    let error: unknown
    try {
      parse('-t', '0', '-e', 'x', '--placement', 'diagonal')
    } catch (caughtError) {
      error = caughtError
    }
    expect(ConfigValidationError.isInstance(error)).toBe(true)
    expect((error as ConfigValidationError).message).toBe(
      [
        'Invalid routesim test flags (3 problems):',
        '  - --tokens: "0" is not allowed; expected an integer in [1, 4096]',
        '  - --experts: "x" is not allowed; expected an integer in [1, 256]',
        `  - --placement: "diagonal" is not allowed; expected 'linear', 'round_robin'`,
      ].join('\n'),
    )
  })

  it('checks enum flags itself (commander only lists the choices in the help)', () => {
    const error = caught(() => parse('-t', '8', '--placement', 'diagonal'))
    expect(error.message).toBe(`Invalid --placement: "diagonal". Allowed: 'linear', 'round_robin'.`)
    const help = new Command('test').addOption(SCHEMA.option('placement', '--placement <kind>')).helpInformation()
    expect(help.replace(/\s+/g, ' ')).toContain('(choices: "linear", "round_robin", default: "linear")')
  })

  it('leaves required flags to commander, with its usual message', () => {
    expect(() => parse('-e', '4')).toThrow(/required option '-t, --tokens <T>' not specified/)
  })

  it('refuses a schema key the command does not define, and a flag that does not match its key', () => {
    const bare = new Command('test').addOption(SCHEMA.option('tokens', '-t, --tokens <T>'))
    bare.parse(['-t', '4'], { from: 'user' })
    expect(() => SCHEMA.parse(bare)).toThrow("the flag schema names 'experts', which the command does not define")
    expect(() => SCHEMA.option('topK', '--top <k>')).toThrow("does not belong to the schema key 'topK'")
  })
})

describe('the static type of the parsed flags (checked by tsc)', () => {
  it('is inferred from the schema: numbers, enum unions, optional flags optional', () => {
    type Flags = ReturnType<typeof SCHEMA.parse>
    expectTypeOf<Flags['tokens']>().toEqualTypeOf<number>()
    expectTypeOf<Flags['placement']>().toEqualTypeOf<'linear' | 'round_robin'>()
    expectTypeOf<Flags>().toHaveProperty('rate').toEqualTypeOf<number | undefined>()
    expectTypeOf<{ tokens: number; experts: number; topK: number; placement: 'linear' | 'round_robin' }>().toExtend<Flags>()
    // @ts-expect-error a required flag cannot be missing
    expectTypeOf<{ experts: number; topK: number; placement: 'linear' }>().toExtend<Flags>()
  })
})

describe('flagAtMost', () => {
  it('checks a bound that depends on another flag, naming the flag, its text and the range', () => {
    const flags = parse('-t', '8', '-e', '4', '-k', '05')
    const error = caught(() => flagAtMost(flags, 'topK', flags.experts, 'at most --experts 4'))
    expect(error.message).toBe('Invalid --top-k: "05". Allowed: an integer in [1, 4] (at most --experts 4).')
    expect(() => flagAtMost(flags, 'topK', 5)).not.toThrow()
    expect(() => flagAtMost(flags, 'rate', 0)).not.toThrow() // absent flags pass
  })
})
