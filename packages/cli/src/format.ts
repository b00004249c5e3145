const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']
const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']

/** A horizontal bar of `value / max · width` cells, drawn to an eighth of a cell. */
export function bar(value: number, max: number, width: number): string {
  if (!(max > 0) || !(value > 0)) return ''
  const eighths = Math.round(Math.min(value / max, 1) * width * 8)
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!
}

/**
 * One character per bucket of `perChar` consecutive experts, by average load relative to the mean:
 * ▄ is the mean, █ is twice the mean or more, ▁ is a quarter of it or less, · is an unused bucket.
 */
export function sparkline(counts: ArrayLike<number>, perChar: number): string {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  const mean = counts.length ? total / counts.length : 0
  let line = ''
  for (let start = 0; start < counts.length; start += perChar) {
    const end = Math.min(start + perChar, counts.length)
    let sum = 0
    for (let i = start; i < end; i++) sum += counts[i]!
    const avg = sum / (end - start)
    if (avg === 0 || mean === 0) {
      line += '·'
      continue
    }
    // Level 3 (▄) is the mean; each level above adds a quarter of the mean, each below removes one.
    const level = Math.max(0, Math.min(7, Math.round((avg / mean) * 4) - 1))
    line += LEVELS[level]!
  }
  return line
}

/** Fixed decimals, no `-0`, `NaN` spelled as '–'. */
export function fixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return '–'
  const text = value.toFixed(digits)
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text
}

export function percent(fraction: number, digits = 1): string {
  return `${fixed(fraction * 100, digits)}%`
}

/** Wraps prose to `width` columns, every line prefixed with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(indent + line)
  return lines
}

/** Pads to a display width (all characters we print are one column wide). */
export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text
}
