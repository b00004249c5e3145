import type { ParameterSpec, ParameterSpecs } from '@routesim/core'
import { field, h, numberInput, select } from './dom.ts'

function defaultText(spec: ParameterSpec): string {
  if (spec.default === undefined) return ''
  return Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)
}

function rangeText(spec: ParameterSpec): string {
  if (spec.type !== 'number' && spec.type !== 'integer' && spec.type !== 'number[]') return ''
  const lo = spec.min === undefined ? '(−∞' : `${spec.exclusiveMin ? '(' : '['}${spec.min}`
  const hi = spec.max === undefined ? '∞)' : `${spec.max}${spec.exclusiveMax ? ')' : ']'}`
  return ` Range ${lo}, ${hi}.`
}

/**
 * Form controls for a strategy's parameters, built from its specs (type, range, default). `onChange`
 * gets the raw text of every parameter that differs from its default (the CLI's `--param key=value`).
 */
export function parameterControls(
  specs: ParameterSpecs,
  values: Readonly<Record<string, string>>,
  onChange: (raw: Record<string, string>) => void,
): HTMLElement {
  const box = h('fieldset', { class: 'params' }, h('legend', {}, 'Strategy parameters'))
  const raw: Record<string, string> = { ...values }
  const entries = Object.entries(specs)
  if (entries.length === 0) box.append(h('p', { class: 'hint' }, 'This strategy has no parameters.'))
  for (const [key, spec] of entries) {
    const current = raw[key] ?? defaultText(spec)
    let control: HTMLInputElement | HTMLSelectElement
    if (spec.type === 'enum') control = select(key, spec.optional && spec.default === undefined ? ['', ...(spec.values ?? [])] : (spec.values ?? []), current)
    else if (spec.type === 'boolean') {
      control = h('input', { type: 'checkbox', name: key, checked: current === 'true' })
    } else if (spec.type === 'number' || spec.type === 'integer') {
      control = numberInput(key, current, { min: spec.min, max: spec.max, step: spec.type === 'integer' ? 1 : 'any' })
    } else control = h('input', { type: 'text', name: key, value: current, spellcheck: 'false' })
    const read = () => (control instanceof HTMLInputElement && control.type === 'checkbox' ? String(control.checked) : control.value.trim())
    control.addEventListener('change', () => {
      const v = read()
      if (v === defaultText(spec) || v === '') delete raw[key]
      else raw[key] = v
      onChange({ ...raw })
    })
    const hint = `${spec.description}.${rangeText(spec)}${spec.default !== undefined ? ` Default ${defaultText(spec)}.` : spec.optional ? ' Optional.' : ''}`
    box.append(field(key, control, hint))
  }
  return box
}
