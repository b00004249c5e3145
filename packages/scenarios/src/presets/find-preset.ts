import { InvalidArgumentError } from '@routesim/core'
import type { ModelPreset } from './model-preset.ts'
import { MODEL_PRESETS } from './model-presets.ts'

/** Names accepted for presets, canonical first. */
export function listPresetNames(presets: readonly ModelPreset[] = MODEL_PRESETS): string[] {
  if (!Array.isArray(presets)) throw new InvalidArgumentError({ parameter: 'presets', value: presets, allowed: 'a list of model presets' })
  return presets.map((p) => p.name)
}

/** Looks a preset up by name or alias, case-insensitively; `undefined` when none matches. */
export function findPreset(name: string, presets: readonly ModelPreset[] = MODEL_PRESETS): ModelPreset | undefined {
  if (typeof name !== 'string') return undefined
  if (!Array.isArray(presets)) throw new InvalidArgumentError({ parameter: 'presets', value: presets, allowed: 'a list of model presets' })
  const key = name.trim().toLowerCase()
  return presets.find((p) => p.name === key || p.aliases.includes(key))
}

/** Like `findPreset`, but an unknown name is an `InvalidArgumentError` that lists the presets. */
export function getPreset(name: string, presets: readonly ModelPreset[] = MODEL_PRESETS): ModelPreset {
  const preset = typeof name === 'string' ? findPreset(name, presets) : undefined
  if (!preset) {
    throw new InvalidArgumentError({
      parameter: 'preset',
      value: name,
      allowed: `one of [${listPresetNames(presets).join(', ')}]`,
    })
  }
  return preset
}
