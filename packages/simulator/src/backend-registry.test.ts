import { describe, expect, it } from 'vitest'
import { BackendUnavailableError, InvalidArgumentError, createPrng } from '@routesim/core'
import type { KernelBackend } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import { BACKEND_CHOICES, createBackendRegistry, resolveBackend } from './backend-registry.ts'
import { createSimulator } from './simulator.ts'

describe('createBackendRegistry', () => {
  it('lists the built-in choices and nothing is shared between registries', () => {
    const a = createBackendRegistry()
    const b = createBackendRegistry()
    expect(a.names()).toEqual([...BACKEND_CHOICES])
    a.register('mine', async () => ({ backend: createReferenceBackend(), reason: 'mine' }))
    expect(a.has('mine')).toBe(true)
    expect(b.has('mine')).toBe(false)
    expect(createBackendRegistry({ builtIns: false }).names()).toEqual([])
  })

  it("opens 'reference' and 'wasm' with the reason for each", async () => {
    const reference = await resolveBackend('reference')
    expect(reference.backend.mode).toBe('reference')
    expect(reference.requested).toBe('reference')
    expect(reference.reason).toMatch(/reference/)
    const wasm = await resolveBackend('wasm')
    expect(wasm.backend.name).toBe('wasm')
    expect(wasm.backend.mode).toBe('wasm-simd')
    expect(wasm.reason).toMatch(/WebAssembly SIMD/)
    wasm.dispose()
  })

  it("'auto' without a hardware WebGPU adapter takes wasm and says what it passed over", async () => {
    const auto = await resolveBackend('auto', {
      navigatorGpu: async () => {
        throw new Error('no Dawn here')
      },
    })
    expect(auto.requested).toBe('auto')
    expect(auto.backend.name).toBe('wasm')
    expect(auto.reason).toMatch(/^auto: .*wasm backend is faster/)
    auto.dispose()
  })

  it("an explicit 'webgpu' whose provider fails is that error, never a substitute", async () => {
    const registry = createBackendRegistry({
      navigatorGpu: async () => {
        throw new BackendUnavailableError({ mode: 'webgpu', reason: 'Dawn is not installed' })
      },
    })
    await expect(registry.resolve('webgpu')).rejects.toThrow(/Dawn is not installed/)
  })

  it('opens a gpu.js mode from @routesim/gpu on demand', async () => {
    const cpu = await resolveBackend('cpu')
    expect(cpu.backend.name).toBe('gpu.js')
    expect(cpu.backend.mode).toBe('cpu')
    cpu.dispose()
  })

  it('rejects unknown names (listing the known ones), duplicate registrations and bad options', async () => {
    const registry = createBackendRegistry()
    const error = await registry.resolve('cuda').catch((e: unknown) => e)
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect((error as Error).message).toMatch(/'auto', 'reference', 'wasm'/)
    const factory = async () => ({ backend: createReferenceBackend(), reason: 'x' })
    expect(() => registry.register('wasm', factory)).toThrow(InvalidArgumentError)
    registry.register('wasm', factory, { replace: true })
    expect((await registry.resolve('wasm')).backend.mode).toBe('reference')
    expect(() => registry.register(' spaced ', factory)).toThrow(InvalidArgumentError)
    expect(() => createBackendRegistry({ navigatorGpu: 'yes' } as never)).toThrow(InvalidArgumentError)
    expect(() => createBackendRegistry({ mode: 'auto' } as never)).toThrow(/options\.mode/)
  })
})

describe('simulator.route: the one routing path', () => {
  const tokens = 300
  const experts = 64
  const logits = new Float32Array(tokens * experts)
  const prng = createPrng(9, 'logits')
  for (let i = 0; i < logits.length; i++) logits[i] = prng.nextNormal()
  const batch = { hiddenStates: { shape: [tokens, 16] }, routerLogits: { data: logits, shape: [tokens, experts] }, topK: 8 } as const

  it('gives byte-identical results on the reference and on wasm, and says where each ran', async () => {
    const simulator = createSimulator({ seed: 3 })
    const wasm = await resolveBackend('wasm')
    const strategy = simulator.createStrategy('grouped_topk', { scoring: 'sigmoid', correctionBias: Array.from({ length: experts }, (_, i) => (i % 5) * 0.01) })
    const onReference = await simulator.route({ ...batch, strategy, backend: createReferenceBackend() })
    const onWasm = await simulator.route({ ...batch, strategy, backend: wasm.backend })
    expect(onReference.ranOn).toBe('reference')
    expect(onWasm.ranOn).toBe('wasm-simd')
    expect(onWasm.lastRun).toMatchObject({ operation: 'topK', ranOn: 'kernel' })
    expect(Buffer.from(onWasm.weights.data.buffer).equals(Buffer.from(onReference.weights.data.buffer))).toBe(true)
    expect(Array.from(onWasm.ids.data as Int32Array)).toEqual(Array.from(onReference.ids.data as Int32Array))
    wasm.dispose()
  })

  it('runs a strategy without a backend path on its own code, drawing from the given stream', async () => {
    const simulator = createSimulator({ seed: 3 })
    const a = await simulator.route({ ...batch, strategy: 'uniform_random', prng: createPrng(5, 'layer'), backend: createReferenceBackend() })
    const b = await simulator.route({ ...batch, strategy: 'uniform_random', prng: createPrng(5, 'layer') })
    expect(a.ranOn).toBe('reference')
    expect(Array.from(a.ids.data as Int32Array)).toEqual(Array.from(b.ids.data as Int32Array))
    // The simulator's own stream is untouched by a call that brought its own.
    const fresh = createSimulator({ seed: 3 })
    expect(simulator.getState()).toEqual(fresh.getState())
  })

  it('simulateRoutingAsync is route on the simulator backend', async () => {
    const backend: KernelBackend = createReferenceBackend()
    const one = createSimulator({ seed: 4, backend })
    const two = createSimulator({ seed: 4 })
    const [w1, i1] = await one.simulateRoutingAsync(batch.hiddenStates, batch.routerLogits, 'softmax_topk', 8)
    const routed = await two.route({ ...batch, strategy: 'softmax_topk' })
    expect(Array.from(w1.data)).toEqual(Array.from(routed.weights.data))
    expect(Array.from(i1.data as Int32Array)).toEqual(Array.from(routed.ids.data as Int32Array))
  })

  it('rejects a request without a usable strategy', async () => {
    const simulator = createSimulator()
    await expect(simulator.route({ ...batch, strategy: {} as never })).rejects.toThrow(InvalidArgumentError)
    await expect(simulator.route(null as never)).rejects.toThrow(InvalidArgumentError)
  })
})
