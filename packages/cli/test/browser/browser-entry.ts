// Routes with every registered strategy and fingerprints the outputs byte for byte. The browser test
// bundles this file for Chromium and for Node and requires the two fingerprints to be identical.
import { RoutesimError } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import { createWasmBackend } from '@routesim/wasm'

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}

const tokens = 64
const experts = 32
const topK = 4
const simulator = createSimulator({ seed: 7 })
const logits = new Float32Array(tokens * experts)
for (let i = 0; i < logits.length; i++) logits[i] = Math.sin(i * 12.9898) * 3
const result: Record<string, string> = {}
for (const name of simulator.getAvailableStrategies()) {
  try {
    const [weights, ids] = simulator.simulateRouting({ shape: [tokens, 16] }, { data: logits, shape: [tokens, experts] }, name, topK)
    result[name] =
      `${fnv1a(new Uint8Array(ids.data.buffer, ids.data.byteOffset, ids.data.byteLength))}:${fnv1a(new Uint8Array(weights.data.buffer, weights.data.byteOffset, weights.data.byteLength))}`
  } catch (error) {
    if (!RoutesimError.isInstance(error)) throw error
    result[name] = `error:${error.code}`
  }
}
// The WebAssembly SIMD backend: same module in both engines, so the same bytes, and equal to the reference.
async function wasmRoutes(): Promise<void> {
  const backend = await createWasmBackend()
  const onWasm = createSimulator({ seed: 7, backend })
  const bias = Array.from({ length: experts }, (_, j) => ((j * 7) % 5) * 0.01)
  const routers: [string, Record<string, unknown>][] = [
    ['softmax_topk', {}],
    ['grouped_topk', { scoring: 'sigmoid', correctionBias: bias, routedScalingFactor: 2.5 }],
  ]
  for (const [name, params] of routers) {
    const strategy = onWasm.createStrategy(name, params)
    const [weights, ids] = await strategy.routeTokensOn!(backend, { shape: [tokens, 16] }, { data: logits, shape: [tokens, experts] }, topK)
    const [refWeights, refIds] = strategy.routeTokens({ shape: [tokens, 16] }, { data: logits, shape: [tokens, experts] }, topK)
    result[`wasm:${name}`] =
      `${fnv1a(new Uint8Array(ids.data.buffer, ids.data.byteOffset, ids.data.byteLength))}:${fnv1a(new Uint8Array(weights.data.buffer, weights.data.byteOffset, weights.data.byteLength))}`
    result[`wasm:${name}:ranOn`] = backend.lastRun!.ranOn
    result[`wasm:${name}:equalsReference`] = String(ids.data.every((v, i) => v === refIds.data[i]) && weights.data.every((v, i) => v === refWeights.data[i]))
  }
}

void wasmRoutes().then(
  () => {
    const text = `RESULT:${JSON.stringify(result)}`
    if (typeof document === 'undefined') console.log(text)
    else document.body.textContent = text
  },
  (error: unknown) => {
    const text = `RESULT:${JSON.stringify({ error: String(error) })}`
    if (typeof document === 'undefined') console.log(text)
    else document.body.textContent = text
  },
)
