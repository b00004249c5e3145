import type { ReferenceBackend as FromBackendCpu } from '@routesim/backend-cpu'
import type * as core from '@routesim/core'
import { describe, expectTypeOf, it } from 'vitest'
import type { ReferenceBackend as FromSimulator } from './index.ts'

describe('the ReferenceBackend type moved out of @routesim/core', () => {
  it('is the same type from @routesim/backend-cpu and (deprecated) @routesim/simulator, and gone from core', () => {
    expectTypeOf<FromSimulator>().toEqualTypeOf<FromBackendCpu>()
    // @ts-expect-error: core no longer has the type (it would be a cycle: backend-cpu depends on core)
    expectTypeOf<core.ReferenceBackend>().not.toBeNever()
  })
})
