// Routes with every registered strategy and fingerprints the outputs byte for byte. The browser test
// bundles this file for Chromium and for Node and requires the two fingerprints to be identical.
import { RoutesimError } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'

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
    result[name] = `${fnv1a(new Uint8Array(ids.data.buffer, ids.data.byteOffset, ids.data.byteLength))}:${fnv1a(new Uint8Array(weights.data.buffer, weights.data.byteOffset, weights.data.byteLength))}`
  } catch (error) {
    if (!RoutesimError.isInstance(error)) throw error
    result[name] = `error:${error.code}`
  }
}
const text = `RESULT:${JSON.stringify(result)}`
if (typeof document === 'undefined') console.log(text)
else document.body.textContent = text
