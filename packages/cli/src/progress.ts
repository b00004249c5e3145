import cliProgress from 'cli-progress'
import type { CliOutput } from './io.ts'

/**
 * Progress of a long run on stderr, drawn by cli-progress. Lines the run prints while the bar is up go
 * through the library's logging API (`MultiBar.log`), which clears the bar, prints the line and redraws
 * the bar below it — so a report never lands on top of the bar and the bar never leaves fragments in
 * later output. Without a bar (no terminal, `--quiet`, or a run still shorter than `delayMs`) lines go
 * straight to the output.
 */
export interface Progress {
  /** Whether a bar is drawn once the run has lasted `delayMs` (a terminal, and not turned off). */
  readonly enabled: boolean
  /** Sets how far the run is (0…total) and the bar's payload fields; may draw the bar. */
  update(value: number, payload?: Readonly<Record<string, string>>): void
  /** Prints one line of output (no trailing newline needed) above the bar, or plainly. */
  log(line: string): void
  /** Lets the bar redraw: resolves on the next event-loop turn (call it between chunks of work). */
  tick(): Promise<void>
  /** Removes the bar (the cursor ends where the bar started); further lines print plainly. */
  stop(): void
}

export interface ProgressOptions {
  readonly total: number
  /** cli-progress format, e.g. 'simulating [{bar}] {percentage}% | step {value}/{total}'. */
  readonly format: string
  /** Payload fields shown before the first update. */
  readonly payload?: Readonly<Record<string, string>>
  /** Draw a bar at all: false for `--quiet`, `--json` to a terminal, or output that is not a terminal. */
  readonly enabled: boolean
  /** Show the bar only once the run has taken this long (ms): short runs print no bar at all. */
  readonly delayMs?: number
  /** Where the bar is drawn (default: process.stderr). */
  readonly stream?: NodeJS.WriteStream
  /** Output lines go to the bar's logging API only when they would reach the same terminal. */
  readonly linesShareTerminal?: boolean
}

/** Whether the bar may be drawn for this output: stderr is a terminal and output is not captured. */
export function progressAllowed(output: CliOutput, stream: NodeJS.WriteStream = process.stderr): boolean {
  return output.drawsOnTerminal === true && stream.isTTY === true
}

export function createProgress(output: CliOutput, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr
  const started = Date.now()
  // ROUTESIM_PROGRESS_DELAY_MS overrides the delay (0: a bar from the start, as the terminal tests use).
  const fromEnv = Number(process.env['ROUTESIM_PROGRESS_DELAY_MS'] ?? Number.NaN)
  const delayMs = Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : (options.delayMs ?? 0)
  const linesShareTerminal = options.linesShareTerminal ?? process.stdout.isTTY === true
  let payload: Record<string, string> = { ...options.payload }
  let value = 0
  let multi: cliProgress.MultiBar | undefined
  let bar: cliProgress.SingleBar | undefined
  let stopped = false

  const show = (): void => {
    multi = new cliProgress.MultiBar(
      // The cursor stays visible and no signal handler is added: Ctrl-C must still end the run at once.
      // linewrap: true keeps the terminal's own wrapping on (the default turns it off while the bar is up,
      // which cut every logged line longer than the terminal to its width); the bar is cut to the width.
      { stream, format: options.format, hideCursor: false, clearOnComplete: true, linewrap: true },
      cliProgress.Presets.shades_classic,
    )
    bar = multi.create(options.total, value, payload)
  }

  return {
    enabled: options.enabled,
    update(next, fields) {
      value = next
      if (fields) payload = { ...payload, ...fields }
      if (stopped || !options.enabled) return
      if (!bar && Date.now() - started >= delayMs) show()
      bar?.update(value, payload)
    },
    log(line) {
      if (bar && multi && linesShareTerminal) {
        multi.log(`${line}\n`)
        multi.update() // flush now: the run may not give the timer a turn before the next line
      } else {
        output.out(`${line}\n`)
      }
    },
    tick: () => new Promise((resolve) => setImmediate(resolve)),
    stop() {
      stopped = true
      if (multi) {
        multi.update() // print any line still buffered above the bar
        multi.stop()
      }
      multi = undefined
      bar = undefined
    },
  }
}
