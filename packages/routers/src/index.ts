// Registered definitions (the simulator registers these, in this order)
export { routerDefinitions } from './router-definitions.ts'

// softmax_topk (vLLM fused_topk)
export { softmaxTopK, softmaxTopKDefinition, softmaxTopKPlanner } from './softmax-top-k.ts'
export type { SoftmaxTopKOptions } from './softmax-top-k.ts'

// sigmoid_topk (fused_topk sigmoid / fused_topk_bias)
export { sigmoidTopK, sigmoidTopKDefinition, sigmoidTopKPlanner } from './sigmoid-top-k.ts'
export type { SigmoidTopKOptions } from './sigmoid-top-k.ts'

// grouped_topk (DeepSeek-V2/V3; vllm, hf, hf_v2, megatron)
export { groupedTopK, groupedTopKDefinition, groupedTopKPlanner } from './grouped-top-k.ts'
export type { GroupedTopKOptions, GroupedTopKVariant } from './grouped-top-k.ts'

// llama4_topk
export { llama4TopK, llama4TopKDefinition, llama4TopKPlanner } from './llama4-top-k.ts'

// Building blocks for routers of your own
export { createRouterStrategy, runRouter } from './router-strategy.ts'
export type { RouterPlan, RouterPlanner, Selection } from './router-strategy.ts'
export { readRouterInputs } from './router-inputs.ts'
export type { RouterInputs } from './router-inputs.ts'

// Router rows split over threads (a worker script's task)
export { ROUTER_CHUNK_ROWS, createRouterRowsTask, routerPlanners } from './router-rows.ts'
export type { PortableRouter, RouterRowsArgs } from './router-rows.ts'
