import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import { findPreset, getPreset, listPresetNames } from './find-preset.ts'
import { MODEL_PRESETS } from './model-presets.ts'

describe('model presets', () => {
  it.each(MODEL_PRESETS.map((p) => [p.name, p] as const))('%s is internally consistent', (_name, p) => {
    const r = p.routing
    expect(r.topK).toBeGreaterThanOrEqual(1)
    expect(r.topK).toBeLessThanOrEqual(r.numExperts)
    expect(r.numExperts % r.numExpertGroups).toBe(0)
    expect(r.topkGroup).toBeLessThanOrEqual(r.numExpertGroups)
    // group-limited routing must leave at least k experts in the kept groups
    expect(r.topkGroup * (r.numExperts / r.numExpertGroups)).toBeGreaterThanOrEqual(r.topK)
    expect(r.routedScalingFactor).toBeGreaterThan(0)
    expect(p.moeLayerIndices.length).toBeGreaterThan(0)
    expect(new Set(p.moeLayerIndices).size).toBe(p.moeLayerIndices.length)
    expect(p.moeLayerIndices.every((i) => i >= p.firstDenseLayers && i < p.numLayers)).toBe(true)
    expect(p.moeLayerIndices[0]).toBe(p.firstDenseLayers)
  })

  it('carries the published routing numbers', () => {
    const dsv3 = getPreset('deepseek-v3')
    expect(dsv3.routing).toMatchObject({
      numExperts: 256,
      topK: 8,
      numExpertGroups: 8,
      topkGroup: 4,
      scoring: 'sigmoid',
      routedScalingFactor: 2.5,
      sharedExperts: 1,
      correctionBias: true,
    })
    expect(dsv3.moeLayerIndices).toHaveLength(58)
    expect(getPreset('kimi-k2').routing).toMatchObject({ numExperts: 384, topK: 8, numExpertGroups: 1, routedScalingFactor: 2.827 })
    expect(getPreset('kimi-k2').moeLayerIndices).toHaveLength(60)
    expect(getPreset('qwen3-235b-a22b').moeLayerIndices).toHaveLength(94)
    expect(getPreset('qwen3-30b-a3b').moeLayerIndices).toHaveLength(48)
    expect(getPreset('mixtral-8x7b').routing).toMatchObject({ numExperts: 8, topK: 2, scoring: 'softmax' })
    expect(getPreset('gpt-oss-120b').routing).toMatchObject({ numExperts: 128, topK: 4, order: 'topk_then_score' })
    const maverick = getPreset('llama-4-maverick')
    expect(maverick.routing).toMatchObject({ numExperts: 128, topK: 1, scoring: 'sigmoid', sharedExperts: 1 })
    expect(maverick.moeLayerIndices).toHaveLength(24)
    expect(maverick.moeLayerIndices.slice(0, 3)).toEqual([1, 3, 5])
  })

  it('finds presets by alias, case-insensitively, and lists them when a name is unknown', () => {
    expect(findPreset('DeepSeek-R1')?.name).toBe('deepseek-v3')
    expect(findPreset('nope')).toBeUndefined()
    expect(listPresetNames()).toHaveLength(7)
    const err = (() => {
      try {
        getPreset('gpt-5')
      } catch (e) {
        return e
      }
    })()
    expect(InvalidArgumentError.isInstance(err)).toBe(true)
    expect((err as Error).message).toContain('kimi-k2')
  })

  it('is frozen', () => {
    expect(Object.isFrozen(MODEL_PRESETS)).toBe(true)
  })
})
