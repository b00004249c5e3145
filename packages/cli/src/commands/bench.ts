import type { Command } from 'commander'
import { RoutesimError } from '@routesim/core'
import { BACKEND_MODES } from '../backend.ts'
import { outputOf } from '../io.ts'
import { defineFlags, flagAtMost } from '../flag-schema.ts'
import { formatRecord } from '../bench/record.ts'
import { runBench } from '../bench/run-bench.ts'
import { DEFAULT_TARGET } from '../bench/default-target.ts'
import { openBenchTarget, parseTargetList, parseThreadList } from '../bench/targets.ts'
import { DEFAULT_SHAPE, WORKLOAD_NAMES, parseTokenOverrides, parseWorkloadList } from '../bench/workloads.ts'

/** `bench`'s flags; the lists (--backend, --threads, --workloads, --tokens) are read by the bench's own parsers. */
export const BENCH_FLAG_SCHEMA = defineFlags('bench', {
  backend: { type: 'string', optional: true, description: `comma-separated backends timed besides the default path: ${BACKEND_MODES.join(', ')}` },
  threads: { type: 'string', optional: true, description: 'thread counts for the default path, e.g. 1,2,4,8,16 (default: ROUTESIM_THREADS, else every core)' },
  workloads: { type: 'string', optional: true, description: `comma-separated workloads (default: all): ${WORKLOAD_NAMES.join(', ')}` },
  reps: { type: 'integer', min: 1, max: 1000, default: 7, description: 'timed repetitions; the median is reported' },
  warmup: { type: 'integer', min: 0, max: 100, default: 2, description: 'untimed calls before timing (at least)' },
  warmupMs: {
    type: 'integer',
    min: 0,
    max: 60_000,
    default: 500,
    description: 'untimed calls continue for at least this many ms (the workers’ code is compiled by then)',
  },
  tokens: { type: 'string', optional: true, description: 'tokens per call: N for every workload, or workload=N (simulate_zipf: per layer)' },
  experts: { type: 'integer', min: 1, max: 4096, default: DEFAULT_SHAPE.experts, description: 'experts' },
  topK: { type: 'integer', min: 1, max: 4096, default: DEFAULT_SHAPE.topK, description: 'experts per token' },
  seed: { type: 'integer', min: 0, max: 2 ** 32 - 1, default: 0, description: 'seed of the inputs and of the strategies' },
})

/**
 * `routesim bench`: the workloads of shared/bench/WORKLOADS.md on each backend, one JSON line per
 * workload and backend (the schema torch_baseline.py prints), so the two can be compared as ratios.
 */
export function registerBenchCommand(program: Command): void {
  const flag = BENCH_FLAG_SCHEMA.option
  program
    .command('bench')
    .description('time the benchmark workloads on each backend; prints one JSON line per workload and backend')
    .addOption(flag('backend', '-b, --backend <list>'))
    .addOption(flag('threads', '--threads <list>'))
    .addOption(flag('workloads', '-w, --workloads <list>'))
    .addOption(flag('reps', '-r, --reps <N>'))
    .addOption(flag('warmup', '--warmup <N>'))
    .addOption(flag('warmupMs', '--warmup-ms <ms>'))
    .addOption(flag('tokens', '-t, --tokens <spec>'))
    .addOption(flag('experts', '-e, --experts <E>'))
    .addOption(flag('topK', '-k, --top-k <k>'))
    .addOption(flag('seed', '--seed <S>'))
    .addHelpText(
      'after',
      '\nThe default path is what the library does with no options: every core (ROUTESIM_THREADS or --threads),\n' +
        'the fastest exact kernels; its records carry "threads".\n' +
        '\nTimed: each call produces the full outputs in ordinary typed arrays (variants named *-resident time\n' +
        'device-resident inputs and say so in their "timed" field). Progress and skips go to stderr.',
    )
    .action(async (_options: unknown, command: Command) => {
      const output = outputOf(command)
      const options = BENCH_FLAG_SCHEMA.parse(command)
      const { reps, warmup, warmupMs, experts, topK, seed } = options
      flagAtMost(options, 'topK', experts, `at most --experts ${experts}`)
      // The default path always runs (once per --threads count), then any --backend list.
      const defaults = options.threads === undefined ? [DEFAULT_TARGET] : parseThreadList(options.threads).map((n) => `${DEFAULT_TARGET}@${n}`)
      const targets = [...defaults, ...(options.backend === undefined ? [] : parseTargetList(options.backend))]
      const workloads = parseWorkloadList(options.workloads)
      const tokens = parseTokenOverrides(options.tokens)
      const { failures } = await runBench(
        { targets, workloads, tokens, shape: { ...DEFAULT_SHAPE, experts, topK }, reps, warmup, warmupMs, seed },
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
