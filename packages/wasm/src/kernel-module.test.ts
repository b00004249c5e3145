import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { kernelModuleBytes, kernelUnavailableReason } from './kernel-instance.ts'

describe('the embedded kernel module', () => {
  it('is exactly what asm/ compiles to (no stale binary)', () => {
    const script = fileURLToPath(new URL('../scripts/build-kernels.mjs', import.meta.url))
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' })
    expect(out).toContain('matches asm/')
  }, 120_000)

  it('validates in this engine (WebAssembly SIMD)', () => {
    const bytes = kernelModuleBytes()
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x00, 0x61, 0x73, 0x6d])
    expect(kernelUnavailableReason(bytes)).toBeUndefined()
  })

  it('is rejected with a reason when the engine cannot validate it', () => {
    const broken = kernelModuleBytes()
    broken[8] = 0xff // corrupt the first section id
    expect(kernelUnavailableReason(broken)).toMatch(/SIMD/)
  })
})
