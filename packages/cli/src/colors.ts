import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

/**
 * Colour only for a terminal that shows it: never with NO_COLOR (https://no-color.org), always with
 * FORCE_COLOR, otherwise when the stream is a TTY and TERM is not 'dumb'.
 */
export function colorsFor(stream: { isTTY?: boolean } | undefined, env: NodeJS.ProcessEnv = process.env): Colors {
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== ''
  const force = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0'
  const enabled = !noColor && (force || (stream?.isTTY === true && env['TERM'] !== 'dumb'))
  return pc.createColors(enabled)
}
