import type { Command } from 'commander'
import { RoutesimError } from '@routesim/core'
import { BACKEND_MODES } from '../backend.ts'
import { outputOf } from '../io.ts'
import { parseIntegerOption } from '../options.ts'
import { formatRecord } from '../bench/record.ts'
import { runBench } from '../bench/run-bench.ts'
import { DEFAULT_TARGET } from '../bench/default-target.ts'
import { openBenchTarget, parseTargetList, parseThreadList } from '../bench/targets.ts'
import { DEFAULT_SHAPE, WORKLOAD_NAMES, parseTokenOverrides, parseWorkloadList } from '../bench/workloads.ts'

interface BenchOptions {
  backend?: string
  threads?: string
  workloads?: string
  reps: string
  warmup: string
  tokens?: string
  experts: string
  topK: string
  seed: string
}

/**
 * `routesim bench`: the workloads of shared/bench/WORKLOADS.md on each backend, one JSON line per
 * workload and backend (the schema torch_baseline.py prints), so the two can be compared as ratios.
 */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('time the benchmark workloads on each backend; prints one JSON line per workload and backend')
    .option('-b, --backend <list>', `comma-separated backends timed besides the default path: ${BACKEND_MODES.join(', ')}`)
    .option('--threads <list>', 'thread counts for the default path, e.g. 1,2,4,8,16 (default: ROUTESIM_THREADS, else every core)')
    .option('-w, --workloads <list>', `comma-separated workloads (default: all): ${WORKLOAD_NAMES.join(', ')}`)
    .option('-r, --reps <N>', 'timed repetitions; the median is reported', '7')
    .option('--warmup <N>', 'untimed calls before timing', '2')
    .option('-t, --tokens <spec>', 'tokens per call: N for every workload, or workload=N (simulate_zipf: per layer)')
    .option('-e, --experts <E>', 'experts', String(DEFAULT_SHAPE.experts))
    .option('-k, --top-k <k>', 'experts per token', String(DEFAULT_SHAPE.topK))
    .option('--seed <S>', 'seed of the inputs and of the strategies', '0')
    .addHelpText(
      'after',
      '\nThe default path is what the library does with no options: every core (ROUTESIM_THREADS or --threads),\n' +
        'the fastest exact kernels; its records carry "threads".\n' +
        '\nTimed: each call produces the full outputs in ordinary typed arrays (variants named *-resident time\n' +
        'device-resident inputs and say so in their "timed" field). Progress and skips go to stderr.',
    )
    .action(async (options: BenchOptions, command: Command) => {
      const output = outputOf(command)
      // The default path always runs (once per --threads count), then any --backend list.
      const defaults = options.threads === undefined ? [DEFAULT_TARGET] : parseThreadList(options.threads).map((n) => `${DEFAULT_TARGET}@${n}`)
      const targets = [...defaults, ...(options.backend === undefined ? [] : parseTargetList(options.backend))]
      const workloads = parseWorkloadList(options.workloads)
      const reps = parseIntegerOption('--reps', options.reps, 1, 1000)
      const warmup = parseIntegerOption('--warmup', options.warmup, 0, 100)
      const tokens = parseTokenOverrides(options.tokens)
      const experts = parseIntegerOption('--experts', options.experts, 1, 4096)
      const topK = parseIntegerOption('--top-k', options.topK, 1, experts)
      const seed = parseIntegerOption('--seed', options.seed, 0, 2 ** 32 - 1)
      const { failures } = await runBench(
        { targets, workloads, tokens, shape: { ...DEFAULT_SHAPE, experts, topK }, reps, warmup, seed },
        {
          open: openBenchTarget,
          record: (record) => output.out(`${formatRecord(record)}\n`),
          note: (line) => output.err(`${line}\n`),
        },
      )
      if (failures.length > 0) {
        // Records already printed stay valid; the exit code says that something did not run.
        const typed = failures.find((f) => RoutesimError.isInstance(f.error))
        if (typed !== undefined) throw typed.error
        const first = failures[0]!
        throw new Error(`${failures.length} benchmark(s) failed; first: ${first.target} ${first.workload ?? ''}: ${String(first.error)}`)
      }
    })
}
