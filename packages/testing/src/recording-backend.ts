import { createReferenceBackend } from '@routesim/backend-cpu'
import type { KernelBackend, SampleIdsOptions, TopKOptions } from '@routesim/core'

export type RecordedCall =
  | { readonly kernel: 'topK'; readonly rows: number; readonly cols: number; readonly options: TopKOptions }
  | { readonly kernel: 'histogram'; readonly length: number; readonly numExperts: number }
  | { readonly kernel: 'sampleIds'; readonly options: SampleIdsOptions }

export interface RecordingBackend extends KernelBackend {
  /** Every kernel call, in order. */
  readonly calls: RecordedCall[]
}

/**
 * A kernel backend that records each call and delegates it (asynchronously, as a GPU backend would) to
 * `inner` — the reference backend by default. For testing that code routes through `backend.topK` etc.
 *
 * @example
 * const backend = createRecordingBackend()
 * await strategy.routeTokensOn(backend, hidden, logits, 8)
 * expect(backend.calls.map((c) => c.kernel)).toEqual(['topK'])
 */
export function createRecordingBackend(inner: KernelBackend = createReferenceBackend(), options: { mode?: string } = {}): RecordingBackend {
  const calls: RecordedCall[] = []
  return {
    name: 'recording',
    mode: options.mode ?? inner.mode,
    calls,
    get lastRun() {
      return inner.lastRun
    },
    async topK(logits, rows, cols, topK) {
      calls.push({ kernel: 'topK', rows, cols, options: topK })
      return inner.topK(logits, rows, cols, topK)
    },
    async histogram(ids, numExperts) {
      calls.push({ kernel: 'histogram', length: ids.length, numExperts })
      return inner.histogram(ids, numExperts)
    },
    async sampleIds(sample) {
      calls.push({ kernel: 'sampleIds', options: sample })
      if (inner.sampleIds === undefined) throw new Error(`the inner backend '${inner.name}' has no sampleIds`)
      return inner.sampleIds(sample)
    },
    dispose() {
      inner.dispose?.()
    },
  }
}
