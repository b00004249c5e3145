import { defaultClientConditions } from 'vite'
import { defineConfig } from 'vite'

// A static site: relative asset URLs (it works from any sub-path of plain static hosting), the
// library read from its TypeScript sources, the worker bundled as an ES module with code splitting
// (gpu.js stays a separate chunk that loads only when a gpu.js backend is picked).
export default defineConfig({
  base: './',
  resolve: { conditions: ['@routesim/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
})
