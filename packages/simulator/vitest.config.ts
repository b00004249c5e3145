import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

// Type tests (*.test-d.ts) of the public API's inference run with the unit tests.
export default mergeConfig(shared, defineConfig({ test: { typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' } } }))
