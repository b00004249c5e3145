import { ConfigValidationError, InvalidArgumentError, LimitExceededError } from '@routesim/core'

/**
 * Library errors name library fields (`tokensPerStep`, `topK`); a CLI user typed flags. These
 * rewrite a typed error so it names the flag instead, keeping its type, value and what is allowed.
 */
export function withFlagNames(error: unknown, flags: Readonly<Record<string, string>>): unknown {
  if (InvalidArgumentError.isInstance(error) && Object.hasOwn(flags, error.parameter)) {
    return new InvalidArgumentError({ parameter: flags[error.parameter]!, value: error.value, allowed: error.allowed, cause: error })
  }
  if (LimitExceededError.isInstance(error) && Object.hasOwn(flags, error.parameter)) {
    return new LimitExceededError({ parameter: flags[error.parameter]!, value: error.value, limit: error.limit, limitName: error.limitName })
  }
  return error
}

/** The scenario fields that `simulate` flags set, by JSON path. */
export const SIMULATE_FLAGS: Readonly<Record<string, string>> = {
  tokensPerStep: '--tokens',
  steps: '--steps',
  layers: '--layers',
  seed: '--seed',
  threads: '--threads',
  preset: '--preset',
  strategy: '--strategy',
  'strategy.name': '--strategy',
  'parallel.epSize': '--ep-size',
  'parallel.nodes': '--nodes',
  'parallel.placement': '--placement',
  'eplb.stepInterval': '--eplb-interval',
  'eplb.windowSize': '--eplb-window',
  'eplb.redundantExperts': '--redundant',
  'eplb.policy': '--eplb-policy',
  'eplb.replicaChoice': '--replica-choice',
}

/**
 * A scenario validation error for flags-only input, with each issue's path replaced by the flag that
 * set it (`strategy.params.x` becomes `--param x`). Issues from a scenario file keep their paths.
 */
export function scenarioIssuesWithFlags(error: unknown, setByFlag: (path: string) => boolean): unknown {
  if (!ConfigValidationError.isInstance(error)) return error
  const rename = (path: string): string => {
    if (!setByFlag(path)) return path
    if (Object.hasOwn(SIMULATE_FLAGS, path)) return SIMULATE_FLAGS[path]!
    const param = /^strategy\.params\.(.+)$/.exec(path)
    if (param) return `--param ${param[1]}`
    const capacity = /^capacity\[(\d+)\]/.exec(path)
    if (capacity) return `--capacity #${Number(capacity[1]) + 1}${path.slice(capacity[0].length)}`
    return path
  }
  const source = /^Invalid (.*) \(\d+ problem/.exec(error.message)?.[1] ?? 'command-line flags'
  return new ConfigValidationError({ source, issues: error.issues.map((i) => ({ path: rename(i.path), message: i.message })) })
}

/** What `route` and `demo` call `--tokens`, `--experts` and `--top-k` inside the strategies. */
export const ROUTE_FLAGS: Readonly<Record<string, string>> = {
  tokens: '--tokens',
  topK: '--top-k',
  k: '--top-k',
  numTokens: '--tokens',
  numExperts: '--experts',
  // Logit strategies allocate [T, E] synthetic logits whatever they are given.
  'numTokens × numExperts': '--tokens × --experts',
}
