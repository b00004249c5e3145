import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import { LimitExceededError } from './errors/limit-exceeded-error.ts'

/**
 * Every size routesim accepts, in one place. Requests above a limit are refused with a
 * `LimitExceededError` before anything is allocated; the README's "Limits and errors" lists them.
 * They are far above real models (DeepSeek-V3: 256 experts, top-8, 58 MoE layers) and far below
 * what would exhaust a browser tab or a 2-core CI machine.
 */
export const LIMITS = Object.freeze({
  /** Experts per layer (E). */
  maxExperts: 1 << 20,
  /** Tokens per call or per scenario step (T). */
  maxTokens: 1 << 22,
  /** Experts per token (k). */
  maxTopK: 1024,
  /** Elements of one [T, E] or [T, k] buffer. */
  maxElements: 2 ** 28,
  /** Bytes one request may allocate, estimated before allocating. */
  maxAllocationBytes: 2 ** 31,
  /** Expert-parallel ranks (GPUs). */
  maxEpSize: 1 << 14,
  /** Physical expert slots (experts plus redundant replicas). */
  maxReplicas: 1 << 20,
  /** Steps an EPLB load window holds. */
  maxEplbWindow: 1 << 16,
  /** MoE layers in a scenario. */
  maxLayers: 4096,
  /** Tokens routed by one scenario in total: steps × tokens per step × layers. */
  maxScenarioWork: 2 ** 40,
  /** Bytes of a scenario (or any input) file read from disk. */
  maxFileBytes: 16 * 1024 * 1024,
  /** Nesting depth of a JSON input. */
  maxJsonDepth: 64,
  /** Steps of one Plackett–Luce inclusion computation: points × items × k² (a few seconds). */
  maxInclusionWork: 2 ** 32,
})

export type LimitName = keyof typeof LIMITS

const LIMIT_LABELS: Readonly<Record<LimitName, string>> = {
  maxExperts: 'experts',
  maxTokens: 'tokens',
  maxTopK: 'top-k',
  maxElements: 'elements of one buffer',
  maxAllocationBytes: 'memory of one request (bytes)',
  maxEpSize: 'expert-parallel ranks',
  maxReplicas: 'physical expert slots',
  maxEplbWindow: 'EPLB window steps',
  maxLayers: 'layers',
  maxScenarioWork: 'steps × tokens × layers',
  maxFileBytes: 'file size (bytes)',
  maxJsonDepth: 'JSON nesting depth',
  maxInclusionWork: 'Plackett–Luce inclusion work (points × items × k²)',
}

/**
 * Checks a size: an integer ≥ `min` (else `InvalidArgumentError`) and ≤ `LIMITS[limit]` (else
 * `LimitExceededError`). Returns the value.
 */
export function checkLimit(parameter: string, value: unknown, limit: LimitName, min = 0): number {
  const max = LIMITS[limit]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError({ parameter, value, allowed: `an integer in [${min}, ${max}]` })
  }
  if (value > max) throw new LimitExceededError({ parameter, value, limit: max, limitName: LIMIT_LABELS[limit] })
  return value
}

/**
 * Refuses a request whose buffers would exceed the element or memory limit. `buffers` lists each
 * buffer as [elements, bytes per element]; call it before allocating any of them.
 */
export function checkAllocation(parameter: string, buffers: readonly (readonly [elements: number, bytesPerElement: number])[]): void {
  if (!Array.isArray(buffers) || !buffers.every((b) => Array.isArray(b) && b.length === 2)) {
    throw new InvalidArgumentError({ parameter: 'buffers', value: buffers, allowed: 'a list of [elements, bytesPerElement] pairs' })
  }
  let bytes = 0
  for (const [elements, size] of buffers) {
    if (!(elements <= LIMITS.maxElements)) {
      throw new LimitExceededError({
        parameter,
        value: elements,
        limit: LIMITS.maxElements,
        limitName: LIMIT_LABELS.maxElements,
        detail: 'Route fewer tokens per call, or fewer experts.',
      })
    }
    bytes += elements * size
  }
  if (bytes > LIMITS.maxAllocationBytes) {
    throw new LimitExceededError({
      parameter,
      value: bytes,
      limit: LIMITS.maxAllocationBytes,
      limitName: LIMIT_LABELS.maxAllocationBytes,
      detail: `This request needs about ${(bytes / 2 ** 20).toFixed(0)} MiB.`,
    })
  }
}

/** The limit's label as error messages and the README show it. */
export function limitLabel(limit: LimitName): string {
  return LIMIT_LABELS[limit]
}
