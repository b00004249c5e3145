import type { EngineClient } from '../engine/engine-client.ts'
import type { EngineInfo } from '../engine/protocol.ts'
import type { ExploreState } from '../engine/url-state.ts'

/** What every view gets: the worker, what it offers, and the URL-backed state. */
export interface AppContext {
  readonly engine: EngineClient
  readonly info: EngineInfo
  state(): ExploreState
  /** Merges a change into the state, writes the URL and re-renders the active view. */
  update(change: Partial<ExploreState>): void
  /** Shows where the last routing ran. */
  ranOn(text: string): void
}
