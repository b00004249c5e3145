import * as backendCpu from '@routesim/backend-cpu'
import * as core from '@routesim/core'
import { describe, expect, it } from 'vitest'
import * as simulator from './index.ts'

// The names commit e48435e moved from @routesim/core to @routesim/backend-cpu. Core cannot re-export them
// (backend-cpu depends on core: a package cycle), so they live in backend-cpu and @routesim/simulator keeps
// deprecated re-exports (packages/core/README.md, "Moved out of core"). The type `ReferenceBackend` is
// checked in moved-from-core.test-d.ts.
const MOVED = [
  'createReferenceBackend',
  'referenceHistogram',
  'referenceTopK',
  'referenceWinnerScores',
  'referenceSampleIds',
  'SPLIT_HISTOGRAM_MIN_IDS',
  'accumulateSplitHistogram',
] as const

describe('the reference kernels moved out of @routesim/core', () => {
  it.each(MOVED)('%s: exported by @routesim/backend-cpu and, the same object, by @routesim/simulator', (name) => {
    expect(backendCpu).toHaveProperty(name)
    expect(backendCpu[name]).toBeDefined()
    expect(simulator[name]).toBe(backendCpu[name])
  })

  it.each(MOVED)('%s: no longer exported by @routesim/core', (name) => {
    expect(Object.keys(core)).not.toContain(name)
  })
})
