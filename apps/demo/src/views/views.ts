import type { View } from '../engine/url-state.ts'
import type { AppContext } from './app-context.ts'
import { renderCompare } from './compare.ts'
import { renderExplore } from './explore.ts'
import { renderScenario } from './scenario.ts'
import { renderTrace } from './trace.ts'

/** Every view's renderer: its own chunk (with the chart library), loaded while the worker starts. */
export const RENDER: Record<View, (ctx: AppContext, root: HTMLElement) => void> = {
  explore: renderExplore,
  compare: renderCompare,
  scenario: renderScenario,
  trace: renderTrace,
}
