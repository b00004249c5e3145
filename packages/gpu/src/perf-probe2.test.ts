import { it } from 'vitest'
import { createRandomLogits } from '@routesim/testing'
import { topKSource, cellCount } from './kernel-source.ts'

async function median(fn: () => unknown, reps = 3): Promise<number> {
  await fn()
  const ts: number[] = []
  for (let i = 0; i < reps; i++) { const t = performance.now(); await fn(); ts.push(performance.now() - t) }
  ts.sort((a, b) => a - b)
  return Math.round(ts[Math.floor(ts.length / 2)]!)
}

it('perf2', async () => {
  const m: any = await import('gpu.js'); const { GPU, input } = m.default ?? m
  const T = 65536, E = 256, k = 8
  const logits = createRandomLogits(1, T, E, 1)
  const gpu = new GPU({ mode: 'webasm' })
  for (const [name, scoring] of [['logits', 'logits'], ['softmax', 'softmax']] as const) {
    const g = topKSource({ numExperts: E, k, scoring, hasBias: false, polynomialExp: true, withNormaliser: true })
    const kern = gpu.createKernel(g.source, { output: [cellCount(T, g.groups)], returnType: 'Array(4)', constants: { E, N: T }, precision: 'single', tactic: 'precision' })
    console.log(name, await median(() => kern(input(logits, [E, T]))), kern.kernel._lastRunPath)
  }
  // research kernel verbatim-ish
  const src = `function (logits) {
  const tok = this.thread.x;
  let v0 = -3.0e38; let i0 = 0; let v1 = -3.0e38; let i1 = 0; let v2 = -3.0e38; let i2 = 0; let v3 = -3.0e38; let i3 = 0;
  let v4 = -3.0e38; let i4 = 0; let v5 = -3.0e38; let i5 = 0; let v6 = -3.0e38; let i6 = 0; let v7 = -3.0e38; let i7 = 0;
  for (let e = 0; e < this.constants.E; e++) {
    let x = logits[tok][e];
    if (x > v7) {
      v7 = x; i7 = e;
      if (v7 > v6) { let tv = v6; v6 = v7; v7 = tv; let ti = i6; i6 = i7; i7 = ti; }
      if (v6 > v5) { let tv = v5; v5 = v6; v6 = tv; let ti = i5; i5 = i6; i6 = ti; }
      if (v5 > v4) { let tv = v4; v4 = v5; v5 = tv; let ti = i4; i4 = i5; i5 = ti; }
      if (v4 > v3) { let tv = v3; v3 = v4; v4 = tv; let ti = i3; i3 = i4; i4 = ti; }
      if (v3 > v2) { let tv = v2; v2 = v3; v3 = tv; let ti = i2; i2 = i3; i3 = ti; }
      if (v2 > v1) { let tv = v1; v1 = v2; v2 = tv; let ti = i1; i1 = i2; i2 = ti; }
      if (v1 > v0) { let tv = v0; v0 = v1; v1 = tv; let ti = i0; i0 = i1; i1 = ti; }
    }
  }
  return [i0 * 512 + i1, i2 * 512 + i3, i4 * 512 + i5, i6 * 512 + i7];
}`
  const kern = gpu.createKernel(src, { output: [T], returnType: 'Array(4)', constants: { E, N: T } })
  console.log('research', await median(() => kern(input(logits, [E, T]))), kern.kernel._lastRunPath)
  const kern2 = gpu.createKernel(src, { output: [T], returnType: 'Array(4)', constants: { E, N: T }, precision: 'single', tactic: 'precision' })
  console.log('research+settings', await median(() => kern2(input(logits, [E, T]))), kern2.kernel._lastRunPath)
  gpu.destroy()
}, 600_000)
