import { describe, expect, it } from 'vitest'
import { indexArrayToInt32 } from '@routesim/core'
import { hidden, shapeOnly } from '../test/statistics.ts'
import { createCrossLayerStrategy } from './cross-layer.ts'
import { createLogitBiasStrategy } from './logit-strategies.ts'
import { createZipfStrategy } from './zipf.ts'
import type { SyntheticStrategy } from './strategy-runtime.ts'

function ids(strategy: SyntheticStrategy, layer: number): number[] {
  return Array.from(indexArrayToInt32(strategy.routeTokens(hidden(64), shapeOnly(64, 32), 4, 'int32', { layer })[1].data))
}

describe('getState / setState replay a strategy exactly, including the structure it carries', () => {
  const cases: [string, () => SyntheticStrategy][] = [
    ['zipf per_layer permutations', () => createZipfStrategy({ exponent: 1.1 }, { seed: 5 })],
    ['cross_layer previous rows and partner maps', () => createCrossLayerStrategy({ coactivation: 0.7 }, { seed: 5 })],
    ['logit_bias fixed per-layer biases', () => createLogitBiasStrategy({ std: 1, fixedPerLayer: true }, { seed: 5 })],
  ]
  for (const [label, make] of cases) {
    it(label, () => {
      const a = make()
      ids(a, 0)
      ids(a, 1)
      const saved = structuredClone(a.getState())
      const next = [ids(a, 2), ids(a, 0), ids(a, 3)]
      const b = make()
      b.setState(saved)
      expect([ids(b, 2), ids(b, 0), ids(b, 3)]).toEqual(next)
    })
  }

  it('a restored zipf strategy keeps each layer’s permutation (the structure, not just the stream)', () => {
    const a = createZipfStrategy({ exponent: 2, layout: 'per_layer' }, { seed: 1 })
    const before = a.popularity(32, 64, 4, 7)
    const b = createZipfStrategy({ exponent: 2, layout: 'per_layer' }, { seed: 99 })
    b.setState(a.getState())
    expect(b.popularity(32, 64, 4, 7)).toEqual(before)
  })
})
