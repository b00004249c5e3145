import { defaultClientConditions, defaultServerConditions } from 'vite'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Resolve sibling packages to their TypeScript sources so tests need no build.
// Vite replaces (not extends) conditions, so the defaults are spread back in.
export default defineConfig({
  resolve: { conditions: ['@routesim/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@routesim/source', ...defaultServerConditions] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    restoreMocks: true,
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
})
