import type { IndexDtype, RoutingResult, RoutingStrategy, ShapedInput, StrategyDefinition, Tensor } from '@routesim/core'
import { createSimulator } from './simulator.ts'
import type { Simulator } from './simulator.ts'
import type { RegisterOptions } from './strategy-registry.ts'

/**
 * The seed's static `RoutingSimulator`, for parity: a facade over one lazily created default
 * simulator (seed 0). This is routesim's only global; prefer `createSimulator()`, whose registry
 * and stream are isolated.
 */
export class RoutingSimulator {
  static #default: Simulator | undefined

  private constructor() {}

  /** The default simulator behind the static methods (created on first use). */
  static getDefaultSimulator(): Simulator {
    RoutingSimulator.#default ??= createSimulator()
    return RoutingSimulator.#default
  }

  /** Drops the default simulator (its registrations and stream); the next call starts afresh. */
  static reset(): void {
    RoutingSimulator.#default = undefined
  }

  static registerStrategy(name: string, strategy: RoutingStrategy | StrategyDefinition, options?: RegisterOptions): void {
    RoutingSimulator.getDefaultSimulator().registerStrategy(name, strategy, options)
  }

  static getAvailableStrategies(): string[] {
    return RoutingSimulator.getDefaultSimulator().getAvailableStrategies()
  }

  static simulateRouting(
    hiddenStates: ShapedInput,
    routerLogits: Tensor | ShapedInput,
    strategyName: string,
    topK: number,
    indicesType?: IndexDtype,
  ): RoutingResult {
    return RoutingSimulator.getDefaultSimulator().simulateRouting(hiddenStates, routerLogits, strategyName, topK, indicesType)
  }
}
