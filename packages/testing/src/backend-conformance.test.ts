import { createReferenceBackend } from '@routesim/backend-cpu'
import { describeBackendConformance } from './backend-conformance.ts'

// The reference must pass its own suite, including the inputs past GPU dispatch limits.
describeBackendConformance('reference', () => createReferenceBackend(), { expectedMode: 'reference', expectedName: 'reference', large: true })
