import { InvalidArgumentError } from '@routesim/core'

/** The per-expert correction bias as float32, checked against the call's expert count. */
export function resolveCorrectionBias(owner: string, bias: readonly number[] | undefined, numExperts: number): Float32Array | undefined {
  if (bias === undefined) return undefined
  if (bias.length !== numExperts) {
    throw new InvalidArgumentError({
      parameter: `${owner}.correctionBias`,
      value: bias,
      allowed: `${numExperts} finite numbers, one per expert (routerLogits has E = ${numExperts}; got ${bias.length})`,
    })
  }
  return Float32Array.from(bias)
}
