import { InvalidArgumentError } from '@routesim/core'

/** Checks an EP size against E: 1 ≤ epSize ≤ E. Returns experts per rank (⌊E / epSize⌋, TRT-LLM). */
export function expertsPerRank(owner: string, numExperts: number, epSize: number, options: { divides?: boolean } = {}): number {
  if (epSize > numExperts || (options.divides && numExperts % epSize !== 0)) {
    throw new InvalidArgumentError({
      parameter: `${owner}.epSize`,
      value: epSize,
      allowed: options.divides ? `a divisor of the number of experts (${numExperts})` : `an integer in [1, ${numExperts}] (the number of experts)`,
    })
  }
  return Math.floor(numExperts / epSize)
}
