import { describe, expect, it } from 'vitest'
import { createRecordingBackend } from './recording-backend.ts'
import { describeBackendConformance } from './backend-conformance.ts'

describe('createRecordingBackend', () => {
  it('records each kernel call in order and returns the inner backend results', async () => {
    const backend = createRecordingBackend()
    const { ids } = await backend.topK(new Float32Array([1, 2, 3, 4]), 1, 4, { k: 2, scoring: 'softmax' })
    expect(Array.from(ids)).toEqual([3, 2])
    expect(Array.from(await backend.histogram(new Int32Array([1, 1, 0]), 2))).toEqual([1, 2])
    await backend.sampleIds!({ kind: 'uniform_iid', rows: 2, numExperts: 4, k: 1, seed: 0 })
    expect(backend.calls.map((c) => c.kernel)).toEqual(['topK', 'histogram', 'sampleIds'])
    expect(backend.calls[0]).toMatchObject({ rows: 1, cols: 4, options: { k: 2 } })
  })
})

// An asynchronous wrapper must still conform (sampling delegates, so it stays deterministic).
describeBackendConformance('recording(reference)', () => createRecordingBackend(), {
  expectedMode: 'reference',
  expectedName: 'recording',
  seeds: 10,
  maxRejections: 1,
})
