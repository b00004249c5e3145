import type { ScenarioRequest } from './protocol.ts'

/** The capacity policy's one knob the form shows (the others keep their defaults). */
export function capacityKnob(policy: string): string {
  return policy === 'capacity_aware' ? 'gamma' : 'capacityFactor'
}

/** The scenario file (`routesim simulate --scenario file.json`) the Scenario form describes. */
export function scenarioFile(request: ScenarioRequest): Record<string, unknown> {
  return {
    name: `${request.preset}-${request.strategy}${request.eplb.enabled ? '-eplb' : ''}`,
    seed: request.seed,
    preset: request.preset,
    layers: request.layers,
    tokensPerStep: request.tokensPerStep,
    steps: request.steps,
    strategy: { name: request.strategy, params: {} },
    parallel: { epSize: request.epSize, nodes: request.nodes, placement: 'linear' },
    capacity: [{ policy: request.capacityPolicy, [capacityKnob(request.capacityPolicy)]: request.capacityFactor }],
    eplb: request.eplb.enabled
      ? {
          enabled: true,
          windowSize: request.eplb.windowSize,
          stepInterval: request.eplb.stepInterval,
          redundantExperts: request.eplb.redundantExperts,
          policy: 'auto',
          replicaChoice: request.eplb.replicaChoice,
        }
      : { enabled: false },
  }
}
