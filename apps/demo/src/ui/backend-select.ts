import { APP_BACKENDS, type AppBackend } from '../engine/url-state.ts'
import { select } from './dom.ts'

const label = (b: AppBackend): string =>
  b === 'wasm' ? 'wasm (default)' : b === 'reference' ? 'reference (TypeScript)' : b === 'auto' ? 'auto (a WebGPU adapter, else wasm)' : `gpu.js ${b}`

/** The kernel backend picker (the library registry's names); `onChange` gets the new choice. */
export function backendSelect(value: AppBackend, onChange: (backend: AppBackend) => void): HTMLSelectElement {
  const el = select(
    'backend',
    APP_BACKENDS.map((b) => ({ value: b, label: label(b) })),
    value,
  )
  el.addEventListener('change', () => onChange(el.value as AppBackend))
  return el
}
