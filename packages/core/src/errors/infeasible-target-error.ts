import { RoutesimError, brand, hasMarker } from './routesim-error.ts'

const marker = 'routesim.error.infeasible_target'

/** A target metric cannot be reached with the given sizes (e.g. balancedness below 1/EP). */
export class InfeasibleTargetError extends RoutesimError {
  readonly parameter: string
  readonly value: number
  readonly feasible: string

  constructor(options: { parameter: string; value: number; feasible: string }) {
    super('infeasible_target', `Infeasible ${options.parameter}: ${options.value}. Reachable with these sizes: ${options.feasible}.`)
    this.name = 'InfeasibleTargetError'
    this.parameter = options.parameter
    this.value = options.value
    this.feasible = options.feasible
    brand(this, marker)
  }

  static override isInstance(error: unknown): error is InfeasibleTargetError {
    return hasMarker(error, marker)
  }
}
