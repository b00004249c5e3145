import { InvalidArgumentError } from '@routesim/core'
import type { ParametersOf, Seed } from '@routesim/core'
import { defineSynthetic, factoryOf } from './define-synthetic.ts'
import { expertsPerRank } from './ep-layout.ts'
import { SyntheticStrategy } from './strategy-runtime.ts'
import type { RoutingCall } from './strategy-runtime.ts'
import { readWeightOptions, weightParameters } from './weight-policy.ts'
import type { WeightOptions } from './weight-policy.ts'

/**
 * TRT-LLM layer-wise benchmark `Balanced` rows for tokens [from, from + count) of slot ordinals
 * `a = offset + t·k + j`: id = (a mod ep)·epr + ⌊a / ep⌋ mod epr, each row sorted ascending.
 */
function balancedRows(out: Int32Array, from: number, count: number, k: number, ep: number, epr: number, offset: number): void {
  for (let t = 0; t < count; t++) {
    const base = (from + t) * k
    for (let j = 0; j < k; j++) {
      const a = offset + t * k + j
      out[base + j] = (a % ep) * epr + (Math.floor(a / ep) % epr)
    }
    out.subarray(base, base + k).sort()
  }
}

/** ⌈E / (dp·k)⌉ tokens activate every expert; the ratio mixes in the rest (0 ⇒ none balanced). */
export function balancedTokenCount(numTokens: number, k: number, numExperts: number, dpSize: number, ratio: number): number {
  if (ratio === 0) return 0
  const min = Math.min(numTokens, Math.ceil(numExperts / (dpSize * k)))
  return min + Math.round((numTokens - min) * ratio)
}

type Mode = 'balanced' | 'imbalanced_ranks' | 'imbalanced_experts'

class TrtllmBalancedStrategy extends SyntheticStrategy {
  constructor(
    name: Mode,
    seed: Seed | undefined,
    weightOptions: WeightOptions,
    private readonly options: { epSize: number; dpSize: number; dpRank: number; balanceRatio: number },
  ) {
    super(name, seed, weightOptions)
  }

  protected route(call: RoutingCall, ids: Int32Array): void {
    const { numTokens: T, numExperts: E, topK: k } = call
    const { epSize: ep, dpSize, dpRank, balanceRatio } = this.options
    const epr = expertsPerRank(this.name, E, ep)
    if (k > ep * epr) {
      throw new InvalidArgumentError({ parameter: 'topK', value: k, allowed: `an integer in [1, ${ep * epr}] (epSize × ⌊E/epSize⌋)` })
    }
    if (dpRank >= dpSize) {
      throw new InvalidArgumentError({ parameter: `${this.name}.dpRank`, value: dpRank, allowed: `an integer in [0, ${dpSize - 1}]` })
    }
    if (this.name === 'balanced') {
      balancedRows(ids, 0, T, k, ep, epr, dpRank * T * k)
      return
    }
    const nb = balancedTokenCount(T, k, E, dpSize, balanceRatio)
    balancedRows(ids, 0, nb, k, ep, epr, dpRank * nb * k)
    const ni = T - nb
    if (this.name === 'imbalanced_ranks') {
      if (k > epr) {
        throw new InvalidArgumentError({
          parameter: 'topK',
          value: k,
          allowed: `an integer in [1, ${epr}]: sending every token to one rank needs k ≤ experts per rank`,
        })
      }
      // All-to-one: ordinals mod epr, i.e. only rank 0's experts.
      for (let t = 0; t < ni; t++) {
        const base = (nb + t) * k
        for (let j = 0; j < k; j++) ids[base + j] = (dpRank * ni * k + t * k + j) % epr
        ids.subarray(base, base + k).sort()
      }
      return
    }
    // Rank-balanced but only ⌈k/ep⌉ active experts per rank: balanced over a narrow range, rescaled.
    const active = Math.ceil(k / ep)
    if (active > epr) {
      throw new InvalidArgumentError({ parameter: 'topK', value: k, allowed: `an integer in [1, ${ep * epr}]` })
    }
    const narrow = ids.subarray(nb * k)
    balancedRows(narrow, 0, ni, k, ep, active, dpRank * ni * k)
    for (let i = 0; i < narrow.length; i++) {
      const x = narrow[i]!
      narrow[i] = Math.floor(x / active) * epr + (x % active)
    }
    for (let t = 0; t < ni; t++) narrow.subarray(t * k, t * k + k).sort()
  }
}

const epParameters = {
  epSize: { type: 'integer', min: 1, default: 1, description: 'expert-parallel size; rank r owns experts [r·⌊E/ep⌋, (r+1)·⌊E/ep⌋)' },
  dpSize: { type: 'integer', min: 1, default: 1, description: 'attention data-parallel size (TRT-LLM dp_size)' },
  dpRank: { type: 'integer', min: 0, default: 0, description: 'this DP rank: its tokens continue the global slot ordinals' },
} as const

const ratioParameter = {
  balanceRatio: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    description: 'fraction of the tokens beyond ⌈E/(dp·k)⌉ that stay balanced (0 = every token imbalanced, 1 = all balanced)',
  },
} as const

function readLayout(p: ParametersOf<typeof epParameters>, balanceRatio: number) {
  return { epSize: p.epSize, dpSize: p.dpSize, dpRank: p.dpRank, balanceRatio }
}

export const balancedDefinition = defineSynthetic({
  name: 'balanced',
  description: 'TRT-LLM Balanced: deterministic ids whose per-rank and per-expert counts differ by at most 1',
  parameters: { ...epParameters, ...weightParameters('mean') },
  source: 'TensorRT-LLM layer-wise benchmark runner.py (BalanceMethod.Balanced, get_balanced_selection)',
  formula: 'a = dpRank·T·k + t·k + j; id = (a mod ep)·epr + ⌊a/ep⌋ mod epr, epr = ⌊E/ep⌋; rows sorted',
  build: (p, seed) => new TrtllmBalancedStrategy('balanced', seed, readWeightOptions(p), readLayout(p, 1)),
})

export const imbalancedRanksDefinition = defineSynthetic({
  name: 'imbalanced_ranks',
  description: 'TRT-LLM ImbalancedRanks: balanced head of tokens, the rest all sent to rank 0 (all-to-one), mixed by balanceRatio',
  parameters: { ...epParameters, ...ratioParameter, ...weightParameters('mean') },
  source: 'TensorRT-LLM layer-wise benchmark runner.py (BalanceMethod.ImbalancedRanks, get_all_to_one_selection)',
  formula:
    'n_b = 0 if ratio = 0 else m + round((T − m)·ratio), m = min(T, ⌈E/(dp·k)⌉); first n_b tokens Balanced, the rest id = (ordinal) mod epr; rows sorted',
  build: (p, seed) => new TrtllmBalancedStrategy('imbalanced_ranks', seed, readWeightOptions(p), readLayout(p, p.balanceRatio)),
})

export const imbalancedExpertsDefinition = defineSynthetic({
  name: 'imbalanced_experts',
  description: 'TRT-LLM ImbalancedExperts: ranks stay balanced but only ⌈k/ep⌉ experts per rank are active, mixed by balanceRatio',
  parameters: { ...epParameters, ...ratioParameter, ...weightParameters('mean') },
  source: 'TensorRT-LLM layer-wise benchmark runner.py (BalanceMethod.ImbalancedExperts)',
  formula: 'first n_b tokens Balanced; the rest Balanced over a = ⌈k/ep⌉·ep experts, id = ⌊x/a⌋·epr + x mod a; rows sorted',
  build: (p, seed) => new TrtllmBalancedStrategy('imbalanced_experts', seed, readWeightOptions(p), readLayout(p, p.balanceRatio)),
})

export const createBalancedStrategy = factoryOf(balancedDefinition)
export const createImbalancedRanksStrategy = factoryOf(imbalancedRanksDefinition)
export const createImbalancedExpertsStrategy = factoryOf(imbalancedExpertsDefinition)
