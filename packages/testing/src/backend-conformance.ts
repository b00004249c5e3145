import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidArgumentError, InvalidLogitsError } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { KernelBackend, SampleIdsOptions, SamplingKind } from '@routesim/core'
import { compareTopK } from './compare-top-k.ts'
import { chiSquareTest } from './chi-square.ts'
import { createRandomIds } from './random-inputs.ts'
import { samplingStatistics } from './sampling-statistics.ts'
import type { SamplingStatistic } from './sampling-statistics.ts'
import { createTopKCases } from './top-k-cases.ts'

export interface BackendConformanceOptions {
  /** The mode the backend must report it ran in (e.g. 'reference', 'cpu', 'webasm', 'webgpu'). */
  readonly expectedMode: string
  /** The family name it must report (e.g. 'gpu.js'); unchecked when left out. */
  readonly expectedName?: string
  /** Seeds per statistical test. Default 40. */
  readonly seeds?: number
  /** Significance level of each per-seed χ² test. Default 0.01. */
  readonly alpha?: number
  /** Per-seed rejections tolerated per statistic. Default 3 (of 40 at α = 0.01). */
  readonly maxRejections?: number
  /** Minimum p-value of the χ² test on counts pooled over all seeds. Default 1e-4. */
  readonly pooledAlpha?: number
  /** Near-tie tolerance for ids (relative). Default 1e-6. */
  readonly tieRelTol?: number
  /** Relative tolerance for weights. Default 1e-6. */
  readonly weightRelTol?: number
  /** Adds inputs past GPU dispatch limits (rows > 65,535; 1M ids). Slower; default false. */
  readonly large?: boolean
  /** Per-test timeout in ms. Default 120,000. */
  readonly timeout?: number
  /** Check `sampleIds` (deprecated and optional in the contract). Default true; false for a backend without it. */
  readonly sampling?: boolean
}

const SAMPLING_SIZES = { rows: 2000, numExperts: 16, k: 4 }

/** Zipf-like weights with one zero, so "never picks a zero-weight expert" is tested too. */
function samplingWeights(numExperts: number): Float64Array {
  const w = Float64Array.from({ length: numExperts }, (_, j) => 1 / (j + 1))
  w[5 % numExperts] = 0
  return w
}

function samplingOptions(kind: SamplingKind, seed: number): SampleIdsOptions {
  return {
    kind,
    ...SAMPLING_SIZES,
    seed,
    ...(kind === 'categorical_distinct' ? { weights: samplingWeights(SAMPLING_SIZES.numExperts) } : {}),
  }
}

/** A backend's (deprecated, optional) sampleIds; a backend without one must pass `{ sampling: false }`. */
async function sampleIds(backend: KernelBackend, options: SampleIdsOptions): Promise<Int32Array> {
  if (backend.sampleIds === undefined) throw new Error(`backend '${backend.name}' has no sampleIds: pass { sampling: false } to describeBackendConformance`)
  return backend.sampleIds(options)
}

async function captureError(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  return undefined
}

/**
 * Registers a vitest suite holding a `KernelBackend` to the reference backend:
 * it reports the mode asked for; top-k ids are identical to the reference except where two scores tie within
 * float32 rounding, weights within 1e-6 relative; histograms are exact; seeded sampling is deterministic per
 * backend (same calls on a fresh instance ⇒ same ids) and follows the exact law of each kind (χ² over many seeds);
 * bad input is rejected with core's typed errors.
 *
 * @example
 * describeBackendConformance('gpu.js webasm', () => createGpuBackend({ mode: 'webasm' }), { expectedMode: 'webasm' })
 */
export function describeBackendConformance(label: string, makeBackend: () => KernelBackend | Promise<KernelBackend>, options: BackendConformanceOptions): void {
  const seeds = options.seeds ?? 40
  const alpha = options.alpha ?? 0.01
  const maxRejections = options.maxRejections ?? 3
  const pooledAlpha = options.pooledAlpha ?? 1e-4
  const timeout = options.timeout ?? 120_000
  const reference = createReferenceBackend()

  describe(`${label}: kernel backend conformance`, () => {
    let backend: KernelBackend
    beforeAll(async () => {
      backend = await makeBackend()
    }, timeout)
    afterAll(() => backend?.dispose?.())

    it(`reports mode '${options.expectedMode}'${options.expectedName ? ` and name '${options.expectedName}'` : ''}`, () => {
      expect(backend.mode).toBe(options.expectedMode)
      if (options.expectedName !== undefined) expect(backend.name).toBe(options.expectedName)
    })

    describe('topK matches the reference', () => {
      for (const testCase of createTopKCases({ large: options.large ?? false })) {
        it(
          testCase.label,
          async () => {
            const { logits, rows, cols } = testCase
            const expected = reference.topK(logits, rows, cols, testCase.options)
            const actual = await backend.topK(logits, rows, cols, testCase.options)
            const { problems, toleratedRows } = compareTopK({
              logits,
              rows,
              cols,
              options: testCase.options,
              reference: expected,
              candidate: actual,
              tieRelTol: testCase.exactTies ? 0 : (options.tieRelTol ?? 1e-6),
              weightRelTol: options.weightRelTol ?? 1e-6,
            })
            if (testCase.exactTies) expect(Array.from(actual.ids)).toEqual(Array.from(expected.ids))
            expect(problems).toEqual([])
            // Near-ties are rare in random float32 logits; many tolerated rows would hide a real bug.
            expect(toleratedRows).toBeLessThanOrEqual(Math.max(2, rows * 0.01))
          },
          timeout,
        )
      }
    })

    describe('histogram is exact', () => {
      const cases: [string, number, number][] = [
        ['E=256, 100,003 ids', 100_003, 256],
        ['E=37, 4,099 ids', 4_099, 37],
        ['E=1', 1000, 1],
        ['no ids', 0, 8],
      ]
      if (options.large) cases.push(['E=256, 1,048,579 ids', 1_048_579, 256])
      for (const [name, length, numExperts] of cases) {
        it(
          name,
          async () => {
            const ids = createRandomIds(length * 31 + numExperts, length, numExperts)
            const counts = await backend.histogram(ids, numExperts)
            expect(counts).toBeInstanceOf(Int32Array)
            expect(Array.from(counts)).toEqual(Array.from(reference.histogram(ids, numExperts)))
          },
          timeout,
        )
      }
      it('counts a single hot expert', async () => {
        const ids = new Int32Array(5000).fill(7)
        expect(Array.from(await backend.histogram(ids, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 5000])
      })
    })

    describe.runIf(options.sampling ?? true)('sampleIds', () => {
      const kinds: SamplingKind[] = ['uniform_iid', 'uniform_distinct', 'categorical_distinct']

      it(
        'is deterministic per backend: the same calls on a fresh instance give the same ids',
        async () => {
          const other = await makeBackend()
          try {
            for (const kind of kinds) {
              for (const seed of [1, 2, 1]) {
                const a = await sampleIds(backend, samplingOptions(kind, seed))
                const b = await sampleIds(other, samplingOptions(kind, seed))
                expect(Array.from(b), `${kind}, seed ${seed}`).toEqual(Array.from(a))
              }
            }
          } finally {
            other.dispose?.()
          }
        },
        timeout,
      )

      it('gives different ids for different seeds', async () => {
        for (const kind of kinds) {
          const a = await sampleIds(backend, samplingOptions(kind, 11))
          const b = await sampleIds(backend, samplingOptions(kind, 12))
          expect(Array.from(a)).not.toEqual(Array.from(b))
        }
      })

      for (const kind of kinds) {
        it(
          `${kind}: shape, range${kind === 'uniform_iid' ? '' : ', distinct ids per row'}`,
          async () => {
            const { rows, numExperts, k } = SAMPLING_SIZES
            const ids = await sampleIds(backend, samplingOptions(kind, 5))
            expect(ids).toBeInstanceOf(Int32Array)
            expect(ids.length).toBe(rows * k)
            const zero = 5 % numExperts
            for (let r = 0; r < rows; r++) {
              const row = Array.from(ids.subarray(r * k, (r + 1) * k))
              for (const id of row) {
                expect(id).toBeGreaterThanOrEqual(0)
                expect(id).toBeLessThan(numExperts)
                if (kind === 'categorical_distinct') expect(id).not.toBe(zero)
              }
              if (kind !== 'uniform_iid') expect(new Set(row).size).toBe(k)
            }
            const wide = await sampleIds(backend, {
              kind,
              rows: 3,
              numExperts: 256,
              k: 256,
              seed: 3,
              ...(kind === 'categorical_distinct' ? { weights: new Float64Array(256).fill(1) } : {}),
            })
            if (kind !== 'uniform_iid') for (let r = 0; r < 3; r++) expect(new Set(wide.subarray(r * 256, (r + 1) * 256)).size).toBe(256)
            expect((await sampleIds(backend, { ...samplingOptions(kind, 1), rows: 0 })).length).toBe(0)
          },
          timeout,
        )

        it(
          `${kind}: follows its law (χ² over ${seeds} seeds, α = ${alpha}, ≤ ${maxRejections} rejections each)`,
          async () => {
            const { rows, numExperts, k } = SAMPLING_SIZES
            const weights = kind === 'categorical_distinct' ? samplingWeights(numExperts) : undefined
            const perSeed: SamplingStatistic[][] = []
            for (let s = 0; s < seeds; s++) {
              const ids = await sampleIds(backend, samplingOptions(kind, 1_000 + s))
              perSeed.push(samplingStatistics(kind, ids, rows, numExperts, k, weights))
            }
            for (let t = 0; t < perSeed[0]!.length; t++) {
              const name = perSeed[0]![t]!.name
              const rejections = perSeed.filter((stats) => stats[t]!.result.pValue < alpha).length
              expect(rejections, `${name}: per-seed rejections`).toBeLessThanOrEqual(maxRejections)
              const observed = new Float64Array(perSeed[0]![t]!.observed.length)
              const expected = new Float64Array(observed.length)
              for (const stats of perSeed) {
                stats[t]!.observed.forEach((v, i) => (observed[i]! += v))
                stats[t]!.expected.forEach((v, i) => (expected[i]! += v))
              }
              expect(chiSquareTest(observed, expected).pValue, `${name}: pooled p-value`).toBeGreaterThanOrEqual(pooledAlpha)
            }
          },
          timeout,
        )
      }
    })

    describe('rejects bad input with typed errors', () => {
      const logits = new Float32Array(8)
      it('topK: k = 0, k > E, unknown scoring', async () => {
        for (const topK of [
          { k: 0, scoring: 'softmax' },
          { k: 5, scoring: 'softmax' },
          { k: 2, scoring: 'relu' },
        ] as const) {
          const error = await captureError(() => backend.topK(logits, 2, 4, topK as never))
          expect(InvalidArgumentError.isInstance(error), JSON.stringify(topK)).toBe(true)
        }
      })
      it('topK: NaN and ±Infinity logits', async () => {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const data = new Float32Array(8)
          data[5] = bad
          const error = await captureError(() => backend.topK(data, 2, 4, { k: 2, scoring: 'softmax' }))
          expect(InvalidLogitsError.isInstance(error), String(bad)).toBe(true)
        }
      })
      it('histogram: ids outside [0, E)', async () => {
        const error = await captureError(() => backend.histogram(new Int32Array([0, 1, 8]), 8))
        expect(InvalidArgumentError.isInstance(error)).toBe(true)
      })
      it.runIf(options.sampling ?? true)('sampleIds: k > E for a distinct kind, unknown kind', async () => {
        const tooMany = await captureError(() => sampleIds(backend, { kind: 'uniform_distinct', rows: 2, numExperts: 4, k: 5, seed: 0 }))
        expect(InvalidArgumentError.isInstance(tooMany)).toBe(true)
        const unknown = await captureError(() => sampleIds(backend, { kind: 'zipf' as SamplingKind, rows: 2, numExperts: 4, k: 1, seed: 0 }))
        expect(InvalidArgumentError.isInstance(unknown)).toBe(true)
      })
    })
  })
}
