import type { StrategyDefinition } from '@routesim/core'
import { groupedTopKDefinition } from './grouped-top-k.ts'
import { llama4TopKDefinition } from './llama4-top-k.ts'
import { sigmoidTopKDefinition } from './sigmoid-top-k.ts'
import { softmaxTopKDefinition } from './softmax-top-k.ts'

/** The routers real MoE models use, in registration order. */
export const routerDefinitions: readonly StrategyDefinition[] = Object.freeze([
  softmaxTopKDefinition,
  sigmoidTopKDefinition,
  groupedTopKDefinition,
  llama4TopKDefinition,
] as StrategyDefinition[])
