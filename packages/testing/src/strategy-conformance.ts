import { describe, expect, it } from 'vitest'
import { INDEX_DTYPES, InvalidArgumentError, InvalidLogitsError, ShapeMismatchError, createPrng, indexArrayToInt32 } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { IndexDtype, RoutingContext, RoutingResult, RoutingStrategy, Seed, ShapedInput, Tensor } from '@routesim/core'
import { createRandomLogits } from './random-inputs.ts'

export interface StrategyShape {
  readonly numExperts: number
  readonly topK: number
}

export interface StrategyConformanceOptions {
  /** (E, k) pairs to route. Default E/k = 8/2, 64/6, 256/8, 16/1, 16/16. */
  readonly shapes?: readonly StrategyShape[]
  /** Tokens per call. Default 300. */
  readonly tokens?: number
  /** The strategy promises k distinct experts per token (then k > E must be rejected). Default false. */
  readonly distinct?: boolean
  /** Per-token weight sum: 'one' (renormalized), 'k' (all ones), a number (e.g. a scaling factor), or 'any'. */
  readonly weightSum: 'one' | 'k' | 'any' | number
  /** Relative tolerance of the weight-sum check. Default 1e-5. */
  readonly weightSumTol?: number
  /** Weights are ≥ 0. Default true. */
  readonly nonNegativeWeights?: boolean
  /** Routing reads logit values: NaN/±Inf logits must raise InvalidLogitsError. Default false. */
  readonly usesLogits?: boolean
  /** Output does not depend on the seed (real routers). Default false: different seeds must differ. */
  readonly deterministic?: boolean
}

/** Builds the strategy under test for a seed (plugins: `definition.create(parameters, { seed })`). */
export type MakeStrategy = (options: { seed: Seed }) => RoutingStrategy

const DEFAULT_SHAPES: readonly StrategyShape[] = [
  { numExperts: 8, topK: 2 },
  { numExperts: 64, topK: 6 },
  { numExperts: 256, topK: 8 },
  { numExperts: 16, topK: 1 },
  { numExperts: 16, topK: 16 },
]

function hidden(tokens: number): ShapedInput {
  return { shape: [tokens, 8] }
}

function logitsTensor(seed: number, tokens: number, numExperts: number): Tensor<Float32Array> {
  return { data: createRandomLogits(seed, tokens, numExperts, 1.5), shape: [tokens, numExperts] }
}

function expectedArrayType(dtype: IndexDtype | undefined) {
  return dtype === 'int64' ? BigInt64Array : dtype === 'uint32' ? Uint32Array : Int32Array
}

function bytes(result: RoutingResult): [number[], number[]] {
  return [
    Array.from(new Uint8Array(result[0].data.buffer, result[0].data.byteOffset, result[0].data.byteLength)),
    Array.from(indexArrayToInt32(result[1].data)),
  ]
}

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

/**
 * Registers a vitest suite holding a `RoutingStrategy` to the seed's contract and routesim's rules:
 * shapes `[T, k]`, float32 weights, ids of every index dtype in [0, E), distinct ids where promised,
 * weight sums per policy, determinism by seed, the context PRNG governing the draws (state restore replays),
 * zero tokens, `routeTokensOn(reference backend)` ≡ `routeTokens`, and typed errors for bad input.
 *
 * @example
 * describeStrategyConformance('softmax_topk', ({ seed }) => softmaxTopKDefinition.create({ renormalize: true }, { seed }), {
 *   distinct: true, weightSum: 'one', usesLogits: true, deterministic: true,
 * })
 */
export function describeStrategyConformance(label: string, makeStrategy: MakeStrategy, options: StrategyConformanceOptions): void {
  const shapes = options.shapes ?? DEFAULT_SHAPES
  const tokens = options.tokens ?? 300
  const tolerance = options.weightSumTol ?? 1e-5
  const nonNegative = options.nonNegativeWeights ?? true

  describe(`${label}: strategy conformance`, () => {
    describe.each(shapes.map((s) => ({ ...s, name: `E=${s.numExperts} k=${s.topK}` })))('$name', ({ numExperts, topK }) => {
      const logits = logitsTensor(numExperts * 1000 + topK, tokens, numExperts)

      it.each([undefined, ...INDEX_DTYPES])('returns [T, k] float32 weights and %s ids in [0, E)', (dtype) => {
        const [weights, ids] = makeStrategy({ seed: 1 }).routeTokens(hidden(tokens), logits, topK, dtype)
        expect(weights.data).toBeInstanceOf(Float32Array)
        expect(weights.shape).toEqual([tokens, topK])
        expect(weights.data.length).toBe(tokens * topK)
        expect(ids.data).toBeInstanceOf(expectedArrayType(dtype))
        expect(ids.shape).toEqual([tokens, topK])
        expect(ids.data.length).toBe(tokens * topK)
        const plain = indexArrayToInt32(ids.data)
        for (const id of plain) {
          if (!(id >= 0 && id < numExperts)) expect.fail(`id ${id} outside [0, ${numExperts})`)
        }
        for (const w of weights.data) {
          if (!Number.isFinite(w) || (nonNegative && w < 0)) expect.fail(`weight ${w} is not a finite${nonNegative ? ', non-negative' : ''} number`)
        }
      })

      if (options.distinct) {
        it('gives k distinct experts per token', () => {
          const [, ids] = makeStrategy({ seed: 2 }).routeTokens(hidden(tokens), logits, topK)
          const plain = indexArrayToInt32(ids.data)
          for (let t = 0; t < tokens; t++) {
            const row = plain.subarray(t * topK, (t + 1) * topK)
            if (new Set(row).size !== topK) expect.fail(`token ${t} has repeated experts [${Array.from(row).join(', ')}]`)
          }
        })
      }

      if (options.weightSum !== 'any') {
        const target = options.weightSum === 'one' ? 1 : options.weightSum === 'k' ? topK : options.weightSum
        it(`weights of each token sum to ${options.weightSum === 'k' ? `k = ${topK}` : target}`, () => {
          const [weights] = makeStrategy({ seed: 3 }).routeTokens(hidden(tokens), logits, topK)
          for (let t = 0; t < tokens; t++) {
            let sum = 0
            for (let i = 0; i < topK; i++) sum += weights.data[t * topK + i]!
            if (!(Math.abs(sum - target) <= tolerance * Math.max(1, Math.abs(target)))) {
              expect.fail(`token ${t}: weights sum to ${sum}, expected ${target}`)
            }
          }
        })
      }

      it('same seed ⇒ byte-identical output', () => {
        const a = makeStrategy({ seed: 42 }).routeTokens(hidden(tokens), logits, topK)
        const b = makeStrategy({ seed: 42 }).routeTokens(hidden(tokens), logits, topK)
        expect(bytes(b)).toEqual(bytes(a))
      })

      it(options.deterministic ? 'output does not depend on the seed' : 'different seeds ⇒ different output', () => {
        const a = makeStrategy({ seed: 42 }).routeTokens(hidden(tokens), logits, topK)
        const b = makeStrategy({ seed: 43 }).routeTokens(hidden(tokens), logits, topK)
        if (options.deterministic) expect(bytes(b)).toEqual(bytes(a))
        else expect(bytes(b)).not.toEqual(bytes(a))
      })

      it('draws only from the context PRNG when one is lent (restoring its state replays the call)', () => {
        const prng = createPrng(9, 'conformance')
        const state = prng.getState()
        const context: RoutingContext = { prng }
        const a = makeStrategy({ seed: 1 }).routeTokens(hidden(tokens), logits, topK, undefined, context)
        prng.setState(state)
        const b = makeStrategy({ seed: 2 }).routeTokens(hidden(tokens), logits, topK, undefined, context)
        expect(bytes(b)).toEqual(bytes(a))
      })

      it('routeTokensOn(reference backend) equals routeTokens', async () => {
        const strategy = makeStrategy({ seed: 5 })
        if (!strategy.routeTokensOn) return
        const prng = createPrng(5, 'on')
        const state = prng.getState()
        const sync = strategy.routeTokens(hidden(tokens), logits, topK, 'int64', { prng })
        prng.setState(state)
        const onBackend = await strategy.routeTokensOn(createReferenceBackend(), hidden(tokens), logits, topK, 'int64', { prng })
        expect(onBackend[1].data).toBeInstanceOf(BigInt64Array)
        expect(onBackend[0].shape).toEqual(sync[0].shape)
        expect(Array.from(indexArrayToInt32(onBackend[1].data))).toEqual(Array.from(indexArrayToInt32(sync[1].data)))
        onBackend[0].data.forEach((w, i) => {
          const expected = sync[0].data[i]!
          if (!(Math.abs(w - expected) <= 1e-6 * Math.abs(expected) + 1e-12)) expect.fail(`weight ${i}: ${w} vs ${expected}`)
        })
      })
    })

    it('routes zero tokens to empty [0, k] outputs', () => {
      const { numExperts, topK } = shapes[0]!
      const [weights, ids] = makeStrategy({ seed: 1 }).routeTokens(hidden(0), { data: new Float32Array(0), shape: [0, numExperts] }, topK)
      expect(weights.shape).toEqual([0, topK])
      expect(ids.shape).toEqual([0, topK])
      expect(weights.data.length).toBe(0)
    })

    describe('rejects bad input with typed errors', () => {
      const { numExperts, topK } = shapes[0]!
      const logits = logitsTensor(7, 4, numExperts)
      const strategy = () => makeStrategy({ seed: 1 })

      it.each([0, -1, 1.5, Number.NaN, '2'])('topK = %s ⇒ InvalidArgumentError', (bad) => {
        const error = thrown(() => strategy().routeTokens(hidden(4), logits, bad as number))
        expect(InvalidArgumentError.isInstance(error)).toBe(true)
        expect((error as InvalidArgumentError).parameter).toBe('topK')
      })

      it('logits rows ≠ hiddenStates rows ⇒ ShapeMismatchError', () => {
        const error = thrown(() => strategy().routeTokens(hidden(5), logits, topK))
        expect(ShapeMismatchError.isInstance(error)).toBe(true)
      })

      it('hiddenStates that are not 2-D ⇒ ShapeMismatchError', () => {
        const error = thrown(() => strategy().routeTokens({ shape: [4] }, logits, topK))
        expect(ShapeMismatchError.isInstance(error)).toBe(true)
      })

      it.each(['float16', 'int8', 42])('indicesType %s ⇒ InvalidArgumentError', (bad) => {
        const error = thrown(() => strategy().routeTokens(hidden(4), logits, topK, bad as IndexDtype))
        expect(InvalidArgumentError.isInstance(error)).toBe(true)
        expect((error as InvalidArgumentError).parameter).toBe('indicesType')
      })

      if (options.distinct) {
        it('topK > E ⇒ InvalidArgumentError (k distinct experts cannot exist)', () => {
          const error = thrown(() => strategy().routeTokens(hidden(4), logits, numExperts + 1))
          expect(InvalidArgumentError.isInstance(error)).toBe(true)
        })
      }

      if (options.usesLogits) {
        it.each([Number.NaN, Infinity, -Infinity])('a %s logit ⇒ InvalidLogitsError naming row and expert', (bad) => {
          const data = logits.data.slice()
          data[numExperts + 1] = bad
          const error = thrown(() => strategy().routeTokens(hidden(4), { data, shape: logits.shape }, topK))
          expect(InvalidLogitsError.isInstance(error)).toBe(true)
          expect(error).toMatchObject({ row: 1, column: 1 })
        })

        it('logits without data ⇒ InvalidArgumentError', () => {
          const error = thrown(() => strategy().routeTokens(hidden(4), { shape: [4, numExperts] }, topK))
          expect(InvalidArgumentError.isInstance(error)).toBe(true)
        })
      }
    })
  })
}
