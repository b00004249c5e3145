/** Tiny DOM helpers: `h('div', { class: 'x' }, child, 'text')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: (Node | string | undefined | null | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) el.append(c)
  return el
}

/** A labelled control: the label's `for` points at the control, so clicking or a screen reader finds it. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`
  control.id = id
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : undefined
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl)
}

export function select(name: string, options: readonly (string | { value: string; label: string })[], value: string): HTMLSelectElement {
  const el = h('select', { name })
  for (const o of options) {
    const { value: v, label } = typeof o === 'string' ? { value: o, label: o } : o
    el.append(h('option', { value: v, selected: v === value }, label))
  }
  el.value = value
  return el
}

export function numberInput(
  name: string,
  value: number | string,
  options: { min?: number | undefined; max?: number | undefined; step?: number | string } = {},
): HTMLInputElement {
  return h('input', { type: 'number', name, value: String(value), min: options.min, max: options.max, step: options.step ?? 'any', inputmode: 'decimal' })
}

/** Width available to a chart inside `el` (phones get the viewport). */
export function widthOf(el: HTMLElement, fallback = 640): number {
  const w = el.clientWidth
  return Math.max(280, Math.floor(w > 0 ? w : fallback))
}

export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value)
  return Number.isInteger(value) ? String(value) : value.toFixed(digits)
}

/** Copies text, falling back to a selected textarea where the Clipboard API is refused (plain http, tests). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
  } catch {
    const area = h('textarea', { 'aria-hidden': 'true' })
    area.value = text
    document.body.append(area)
    area.select()
    document.execCommand('copy')
    area.remove()
  }
}

export function download(bytes: ArrayBuffer, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }))
  const a = h('a', { href: url, download: fileName })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
