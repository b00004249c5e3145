import { runCli } from '../src/cli.ts'

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

/** Widest line, in characters (everything we print is one column per character). */
export function widestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map((line) => [...line].length))
}
