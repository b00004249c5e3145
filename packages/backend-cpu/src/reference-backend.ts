import { InvalidArgumentError, validateHistogramArguments } from '@routesim/core'
import type { KernelBackend, SampleIdsOptions, TopKOptions, TopKOutput } from '@routesim/core'
import { referenceSampleIds } from './reference-backend-sampling.ts'
import { referenceTopK } from './reference-backend-top-k.ts'
import { SPLIT_HISTOGRAM_MIN_IDS, accumulateSplitHistogram } from './split-histogram.ts'

/** Per-expert counts of a flat id array; an id outside [0, numExperts) is an error, not a silent drop. */
export function referenceHistogram(ids: Int32Array, numExperts: number): Int32Array {
  const e = validateHistogramArguments(ids, numExperts)
  const counts = new Int32Array(e)
  if (ids.length >= SPLIT_HISTOGRAM_MIN_IDS && ids.length >= 4 * e && accumulateSplitHistogram(ids, counts)) return counts
  // Short arrays, or a bad id somewhere: the checked loop counts and names the first bad position.
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!
    // Unsigned compare catches negatives and ids ≥ E in one test.
    if (id >>> 0 >= e) {
      throw new InvalidArgumentError({ parameter: `ids[${i}]`, value: id, allowed: `an expert id in [0, ${e - 1}]` })
    }
    counts[id]!++
  }
  return counts
}

/** The reference backend's kernels are synchronous, so its type says so. */
export interface ReferenceBackend extends KernelBackend {
  readonly name: 'reference'
  readonly mode: 'reference'
  readonly checksFiniteLogits: true
  topK(logits: Float32Array, rows: number, cols: number, options: TopKOptions): TopKOutput
  histogram(ids: Int32Array, numExperts: number): Int32Array
  sampleIds(options: SampleIdsOptions): Int32Array
}

/**
 * The reference kernel backend: plain TypeScript over typed arrays, synchronous, stateless and exact.
 * Every other backend is tested against it (`describeBackendConformance` in `@routesim/testing`).
 *
 * @example
 * const backend = createReferenceBackend()
 * const { ids, weights } = backend.topK(new Float32Array([1, 2, 3, 4]), 1, 4, { k: 2, scoring: 'softmax' })
 * // ids [3, 2], weights [0.643914, 0.236883]
 */
export function createReferenceBackend(options?: Readonly<Record<string, never>>): ReferenceBackend {
  // It takes no options; one passed anyway (a typo, an option of another backend) is an error, not ignored.
  if (options !== undefined && (typeof options !== 'object' || options === null || Reflect.ownKeys(options).length > 0)) {
    throw new InvalidArgumentError({ parameter: 'createReferenceBackend options', value: options, allowed: 'no options (createReferenceBackend() takes none)' })
  }
  return {
    name: 'reference',
    mode: 'reference',
    checksFiniteLogits: true,
    topK: referenceTopK,
    histogram: referenceHistogram,
    sampleIds: referenceSampleIds,
  }
}
