import { expect } from 'vitest'
import { EXIT_OK, runCli } from '../src/cli.ts'

export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `routesim ...argv` in-process and captures what it printed. */
export async function runRoutesim(...argv: string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    writeOut: (text) => void (stdout += text),
    writeErr: (text) => void (stderr += text),
    columns: 80,
  })
  return { code, stdout, stderr }
}

/**
 * Runs `routesim ...argv` (a `--json` run), which must succeed quietly: exit 0, nothing on stderr, one
 * JSON value on one line of stdout. Returns that value.
 */
export async function runRoutesimJson<T = any>(...argv: string[]): Promise<T> {
  const { code, stdout, stderr } = await runRoutesim(...argv)
  expect(stderr).toBe('')
  expect(code).toBe(EXIT_OK)
  expect(stdout.trim().split('\n')).toHaveLength(1)
  return JSON.parse(stdout) as T
}

/** Widest line, in characters (everything we print is one column per character). */
export function widestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map((line) => [...line].length))
}
