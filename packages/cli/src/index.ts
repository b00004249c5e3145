// The routesim CLI as a library (for tests and embedding); the executable is `bin.ts`.
export { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, createProgram, runCli } from './cli.ts'
export type { ProgramOutput } from './cli.ts'
export { outputOf, writeJson } from './io.ts'
export type { CliOutput } from './io.ts'
export { collect, parseIntegerOption, parseSeedOption, parseStrategyParams, seedToJson } from './options.ts'
// Deprecated: route-and-measure moved to @routesim/simulator (routeAndMeasure), where the web app calls it too.
export {
  /** @deprecated Import `routeAndMeasure` from `@routesim/simulator`. */
  routeAndMeasure as routeOnce,
  /** @deprecated Import from `@routesim/simulator`. */
  syntheticLogits,
} from '@routesim/simulator'
export type {
  /** @deprecated Import `RouteMeasurement` from `@routesim/simulator`. */
  RouteMeasurement as RouteOutcome,
  /** @deprecated Import `RouteMeasureHooks` from `@routesim/simulator`. */
  RouteMeasureHooks as RouteProgressHooks,
  /** @deprecated Import `RouteMeasureRequest` from `@routesim/simulator`. */
  RouteMeasureRequest as RouteRequest,
} from '@routesim/simulator'
export { BACKEND_MODES, openBackend } from './backend.ts'
export type { BackendMode, OpenedBackend } from './backend.ts'
