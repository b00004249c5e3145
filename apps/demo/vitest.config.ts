import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

// Browser tests build the app once and drive Chromium: one file at a time, generous timeouts.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false } }))
