import { describe, expect, it } from 'vitest'
import { EXIT_BAD_INPUT, EXIT_OK } from './cli.ts'
import { runRoutesim } from '../test/run-routesim.ts'

describe('routesim program', () => {
  it('lists its commands under --help and exits 0', async () => {
    const { code, stdout } = await runRoutesim('--help')
    expect(code).toBe(EXIT_OK)
    for (const name of ['strategies', 'route', 'demo']) expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'))
  })

  it('prints the help for `help` and `help <command>` and exits 0', async () => {
    const program = await runRoutesim('help')
    expect(program.code).toBe(EXIT_OK)
    expect(program.stdout).toMatch(/^Usage: routesim \[options\] \[command\]/)
    const route = await runRoutesim('help', 'route')
    expect(route.code).toBe(EXIT_OK)
    expect(route.stdout).toMatch(/^Usage: routesim route \[options\]/)
  })

  it('shows the help on stderr with exit code 2 when no command is given', async () => {
    const { code, stdout, stderr } = await runRoutesim()
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^Usage: routesim \[options\] \[command\]/)
    expect(stderr).not.toContain('error:')
  })

  it('prints its version and exits 0', async () => {
    const { code, stdout } = await runRoutesim('--version')
    expect(code).toBe(EXIT_OK)
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('rejects an unknown command with exit code 2 and a hint', async () => {
    const { code, stdout, stderr } = await runRoutesim('rout')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stdout).toBe('')
    expect(stderr).toContain("unknown command 'rout'")
  })

  it('rejects an unknown option with exit code 2', async () => {
    const { code, stderr } = await runRoutesim('strategies', '--jsn')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain("unknown option '--jsn'")
  })

  it('reports a missing required option with exit code 2', async () => {
    const { code, stderr } = await runRoutesim('route', '--strategy', 'uniform_random', '--tokens', '4', '--experts', '8')
    expect(code).toBe(EXIT_BAD_INPUT)
    expect(stderr).toContain('--top-k')
  })
})
