import { describe, expect, it } from 'vitest'
import { createExpertMap } from '@routesim/analysis'
import { gpuContiguousRow, physicalToLogicalFromCounts } from './map-changes.ts'

describe('start maps', () => {
  it('builds a static start map from replica counts', () => {
    expect([...physicalToLogicalFromCounts([2, 1, 3])]).toEqual([0, 1, 2, 0, 2, 2])
  })

  it('lays a round-robin map out GPU by GPU, and leaves a linear one alone', () => {
    const rr = createExpertMap([0, 1, 2, 3, 4, 5], { numLogical: 6, epSize: 2, placement: 'round_robin' })
    expect([...gpuContiguousRow(rr)]).toEqual([0, 2, 4, 1, 3, 5])
    const linear = createExpertMap([3, 1, 2, 0], { numLogical: 4, epSize: 2 })
    expect([...gpuContiguousRow(linear)]).toEqual([3, 1, 2, 0])
  })
})
