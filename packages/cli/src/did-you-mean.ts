import { closest, distance } from 'fastest-levenshtein'

/**
 * The known name closest to what was typed, if it is close enough to be a typo: at most a third of
 * the typed length in edits (at least 1), or a name that contains it or that it contains.
 */
export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  const text = typed.trim().toLowerCase()
  if (text === '' || known.length === 0) return undefined
  const best = closest(text, [...known])
  if (distance(text, best) <= Math.max(1, Math.floor(text.length / 3))) return best
  return known.find((name) => name.includes(text) || (name.length >= 4 && text.includes(name)))
}
