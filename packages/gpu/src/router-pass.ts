import { InvalidArgumentError } from '@routesim/core'
import type { ScoringFunction, WeightFinish } from '@routesim/core'
import { NEG_SENTINEL, floatLiteral } from './kernel-source.ts'
import {
  BufferPool,
  MAP_MODE_READ,
  MAP_MODE_WRITE,
  checkedSubmit,
  USAGE_COPY_DST,
  USAGE_COPY_SRC,
  USAGE_MAP_READ,
  USAGE_MAP_WRITE,
  USAGE_STORAGE,
  USAGE_UNIFORM,
  dispatchFor,
} from './webgpu-device.ts'
import type { Buffer, ComputePipeline, Device } from './webgpu-device.ts'

/**
 * The router on the device, as one hand-written WGSL pass (one thread per row): selection (plain, biased,
 * grouped) and the router's weight rule (`WeightFinish`), written as int32 ids and float32 weights into one
 * buffer that is read back once and viewed twice. gpu.js kernels return only packed floats, so this pass
 * runs on gpu.js's own device next to them, reading their resident logits buffers directly.
 */
export interface RouterPassSpec {
  readonly numExperts: number
  readonly k: number
  readonly scoring: ScoringFunction
  readonly hasBias: boolean
  /** Resolved grouping: the group score sums each group's best `topN` selection values (1 = max). */
  readonly grouping?: { readonly numGroups: number; readonly topkGroup: number; readonly topN: number; readonly maskValue: number } | undefined
  /** The weight rule; undefined leaves the weights 0. */
  readonly finish?: WeightFinish | undefined
  /** Also write the winners' logits `[rows, k]` (the kernel-backend contract's `winnerLogits`). */
  readonly winnerLogits?: boolean | undefined
  /** Also write each row's softmax normaliser: its max logit and Σ exp(l − max) (compensated). */
  readonly normalizer?: boolean | undefined
  /**
   * Flag any logit that is NaN, ±∞ or beyond ±1e30 (by its bits, so no fast-math can drop the test): host
   * logits are then scanned on the host instead, which finds the first such value for the typed error.
   */
  readonly checkRange?: boolean | undefined
}

/** The bits of the largest float32 ≤ 1e30: |x| beyond it (and NaN, ±∞) is out of the kernels' range. */
const RANGE_LIMIT_BITS = '0x7149f2c9u'

const WORKGROUP = 64

/** Checks a `WeightFinish` (typed errors naming the field). */
export function validateWeightFinish(finish: unknown): WeightFinish {
  const f = finish as Partial<WeightFinish> | null | undefined
  if (typeof f !== 'object' || f === null) throw new InvalidArgumentError({ parameter: 'finish', value: finish, allowed: 'a WeightFinish object' })
  if (f.score !== 'softmax' && f.score !== 'sigmoid' && f.score !== 'logits') {
    throw new InvalidArgumentError({ parameter: 'finish.score', value: f.score, allowed: "'softmax', 'sigmoid' or 'logits'" })
  }
  if (typeof f.normalize !== 'boolean') throw new InvalidArgumentError({ parameter: 'finish.normalize', value: f.normalize, allowed: 'a boolean' })
  if (typeof f.epsilon !== 'number' || !(f.epsilon >= 0 && f.epsilon <= 1)) {
    throw new InvalidArgumentError({ parameter: 'finish.epsilon', value: f.epsilon, allowed: 'a number in [0, 1]' })
  }
  if (typeof f.scale !== 'number' || !(f.scale > 0 && f.scale <= 1e6)) {
    throw new InvalidArgumentError({ parameter: 'finish.scale', value: f.scale, allowed: 'a number in (0, 1e6]' })
  }
  return { score: f.score, normalize: f.normalize, epsilon: f.epsilon, scale: f.scale }
}

/** exp(x) for x ≤ 0 to ~1 ulp (Cody–Waite reduction, degree-7 Taylor, exact ldexp): WGSL's exp may be approximate. */
const EXP_NEG_WGSL = /* wgsl */ `
fn expNeg(x : f32) -> f32 {
  let xc = max(x, -104.0);
  let n = floor(xc * 1.4426950408889634 + 0.5);
  var r = fma(-n, 0.693359375, xc);
  r = fma(n, 2.1219444005469057e-4, r);
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333 + r * (0.001388888888888889 + r * 0.0001984126984126984))))));
  return ldexp(p, i32(n));
}
fn sigm(l : f32) -> f32 {
  let z = expNeg(-abs(l));
  if (l >= 0.0) { return 1.0 / (1.0 + z); }
  return z / (1.0 + z);
}`

/** Insert (x, e) into slots `${v}0…` (descending), strict `>`: scanning in id order, ties keep the lower id. */
function insert(v: string, i: string | undefined, count: number, x: string, e: string): string {
  const last = count - 1
  const lines = [`if (${x} > ${v}${last}) {`, `${v}${last} = ${x};${i ? ` ${i}${last} = ${e};` : ''}`]
  for (let j = last; j > 0; j--) {
    const swapIds = i ? ` let ti = ${i}${j - 1}; ${i}${j - 1} = ${i}${j}; ${i}${j} = ti;` : ''
    lines.push(`if (${v}${j} > ${v}${j - 1}) { let tv = ${v}${j - 1}; ${v}${j - 1} = ${v}${j}; ${v}${j} = tv;${swapIds} }`)
  }
  lines.push('}')
  return lines.join('\n')
}

const range = (n: number) => Array.from({ length: n }, (_, j) => j)

/** The WGSL of one router pass. Bindings: 0 params, 1 logits `[rows, E]`, 2 bias `[E]`, 3 out (ids, then weights). */
export function routerPassSource(spec: RouterPassSpec): string {
  const { numExperts: E, k, scoring, hasBias, grouping, finish } = spec
  const gathered = finish !== undefined || spec.winnerLogits === true
  const biasTerm = (e: string) => (hasBias ? ` + bias[${e}]` : '')
  // Selection on raw logits is exact for monotone scores; bias (and top-n group sums, finite masks) need true scores.
  const needsScores = scoring !== 'logits' && (hasBias || (grouping !== undefined && (grouping.topN > 1 || grouping.maskValue !== -Infinity)))
  const selectedSoftmax = finish?.score === 'softmax' && finish.normalize && finish.epsilon === 0
  const needsNormaliser = (needsScores && scoring === 'softmax') || (finish?.score === 'softmax' && !selectedSoftmax) || spec.normalizer === true
  const selection = (e: string): string => {
    const l = `logits[base + ${e}]`
    if (!needsScores) return `${l}${biasTerm(e)}`
    return scoring === 'softmax' ? `expNeg(${l} - m) / sum${biasTerm(e)}` : `sigm(${l})${biasTerm(e)}`
  }
  const body: string[] = ['let row = gid.x + gid.y * p.width;', 'if (row >= p.rows) { return; }', `let base = row * ${E}u;`]
  if (spec.checkRange === true) {
    body.push(`for (var e = 0u; e < ${E}u; e++) { if ((bitcast<u32>(logits[base + e]) & 0x7fffffffu) > ${RANGE_LIMIT_BITS}) { atomicOr(&flags[0], 1u); } }`)
  }
  if (needsNormaliser) {
    body.push(
      `var m = ${NEG_SENTINEL};`,
      `for (var e = 0u; e < ${E}u; e++) { m = max(m, logits[base + e]); }`,
      // Kahan: the row sum stays within a few ulps, so weights meet 1e-6 relative.
      'var sum = 0.0; var comp = 0.0;',
      `for (var e = 0u; e < ${E}u; e++) { let y = expNeg(logits[base + e] - m) - comp; let t = sum + y; comp = (t - sum) - y; sum = t; }`,
    )
  }
  body.push(
    range(k)
      .map((j) => `var v${j} = ${NEG_SENTINEL}; var i${j} = 0u;`)
      .join(' '),
  )
  if (grouping === undefined) {
    body.push(`for (var e = 0u; e < ${E}u; e++) {`, `let x = ${selection('e')};`, insert('v', 'i', k, 'x', 'e'), '}')
  } else {
    const { numGroups: G, topkGroup, topN: n, maskValue } = grouping
    const size = E / G
    body.push(
      `var gs : array<f32, ${G}>;`,
      `for (var g = 0u; g < ${G}u; g++) {`,
      range(n)
        .map((j) => `var t${j} = ${NEG_SENTINEL};`)
        .join(' '),
      `for (var j = 0u; j < ${size}u; j++) {`,
      `let x = ${selection(`g * ${size}u + j`)};`,
      insert('t', undefined, n, 'x', ''),
      '}',
      `gs[g] = ${range(n)
        .map((j) => `t${j}`)
        .join(' + ')};`,
      '}',
      // A group is kept when fewer than topkGroup groups beat it (ties → lower group index).
      'var kept = 0u;',
      `for (var g = 0u; g < ${G}u; g++) {`,
      'var rank = 0u;',
      `for (var h = 0u; h < ${G}u; h++) { if (gs[h] > gs[g] || (gs[h] == gs[g] && h < g)) { rank++; } }`,
      `if (rank < ${topkGroup}u) { kept = kept | (1u << g); }`,
      '}',
      // Groups in id order, so ties (also among masked experts) resolve to the lower id.
      `for (var g = 0u; g < ${G}u; g++) {`,
      'if (((kept >> g) & 1u) != 0u) {',
      `for (var j = 0u; j < ${size}u; j++) { let e = g * ${size}u + j; let x = ${selection('e')};`,
      insert('v', 'i', k, 'x', 'e'),
      '} }',
    )
    if (maskValue !== -Infinity) {
      // A finite mask competes like any selection value; only a group's first k experts can win with it.
      body.push(
        'else {',
        `for (var j = 0u; j < ${Math.min(k, size)}u; j++) { let e = g * ${size}u + j; let x = ${floatLiteral(maskValue)};`,
        insert('v', 'i', k, 'x', 'e'),
        '} }',
      )
    }
    body.push('}')
  }
  body.push(`let o = (p.rowOffset + row) * ${k}u;`)
  for (const j of range(k)) body.push(`out[o + ${j}u] = i${j};`)
  if (gathered)
    body.push(
      range(k)
        .map((j) => `let l${j} = logits[base + i${j}];`)
        .join(' '),
    )
  if (spec.winnerLogits === true) for (const j of range(k)) body.push(`out[p.winnersAt + o + ${j}u] = bitcast<u32>(l${j});`)
  if (spec.normalizer === true)
    body.push('out[p.normAt + p.rowOffset + row] = bitcast<u32>(m);', 'out[p.normAt + p.totalRows + p.rowOffset + row] = bitcast<u32>(sum);')
  if (finish !== undefined) body.push(...finishStatements(k, finish, selectedSoftmax))
  return [
    'struct Params { rows : u32, rowOffset : u32, width : u32, weightsAt : u32, winnersAt : u32, normAt : u32, totalRows : u32, pad : u32 }',
    '@group(0) @binding(0) var<uniform> p : Params;',
    '@group(0) @binding(1) var<storage, read> logits : array<f32>;',
    '@group(0) @binding(2) var<storage, read> bias : array<f32>;',
    '@group(0) @binding(3) var<storage, read_write> out : array<u32>;',
    '@group(0) @binding(4) var<storage, read_write> flags : array<atomic<u32>>;',
    EXP_NEG_WGSL,
    `@compute @workgroup_size(${WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid : vec3<u32>) {',
    ...body,
    '}',
  ].join('\n')
}

/** Weights from the winners' logits `l0…`, by the router's rule; `m`/`sum` exist when a full-row softmax is needed. */
function finishStatements(k: number, finish: WeightFinish, selectedSoftmax: boolean): string[] {
  const { score, normalize, epsilon, scale } = finish
  const s = range(k)
  const sumOf = (name: string) => s.map((j) => `${name}${j}`).join(' + ')
  const lines: string[] = []
  const scaleLiteral = floatLiteral(scale)
  if (selectedSoftmax) {
    // Softmax over the k selected logits ≡ full softmax renormalised over the winners (no row pass).
    lines.push(`let mx = max(${s.reduce((acc, j) => (acc === '' ? `l${j}` : `max(${acc}, l${j})`), '')}, ${NEG_SENTINEL});`)
    lines.push(...s.map((j) => `let w${j} = expNeg(l${j} - mx);`))
    lines.push(`let total = ${sumOf('w')};`)
    lines.push(...s.map((j) => `out[p.weightsAt + o + ${j}u] = bitcast<u32>(w${j} / total * ${scaleLiteral});`))
    return lines
  }
  if (score === 'sigmoid' && normalize && epsilon === 0) {
    // σ's ratios shifted by the largest winner, so rows of very negative logits never become 0/0 in float32.
    lines.push(`let mx = max(${s.reduce((acc, j) => (acc === '' ? `l${j}` : `max(${acc}, l${j})`), '')}, ${NEG_SENTINEL});`)
    lines.push(...s.map((j) => `var w${j} = sigm(l${j});`))
    lines.push('if (mx < -80.0) {')
    lines.push(...s.map((j) => `w${j} = expNeg(l${j} - mx) * (1.0 + expNeg(mx)) / (1.0 + expNeg(l${j}));`))
    lines.push('}')
    lines.push(`let total = ${sumOf('w')};`)
    lines.push(...s.map((j) => `out[p.weightsAt + o + ${j}u] = bitcast<u32>(w${j} / total * ${scaleLiteral});`))
    return lines
  }
  const scoreOf = (j: number) => (score === 'softmax' ? `expNeg(l${j} - m) / sum` : score === 'sigmoid' ? `sigm(l${j})` : `l${j}`)
  lines.push(...s.map((j) => `let w${j} = ${scoreOf(j)};`))
  const divisor = normalize ? `(${sumOf('w')} + ${floatLiteral(epsilon)})` : '1.0'
  lines.push(`let divisor = ${divisor};`)
  lines.push(...s.map((j) => `out[p.weightsAt + o + ${j}u] = bitcast<u32>(w${j} / divisor * ${scaleLiteral});`))
  return lines
}

/** A chunk of device-resident logits: rows `[start, start + n)` in `buffer` (`[n, E]` float32). */
export interface LogitsChunk {
  readonly start: number
  readonly n: number
  readonly buffer: Buffer
}

/** Caller-owned outputs: the ids and weights are copied into them instead of into fresh arrays. */
export interface RouteOutputs {
  readonly ids: Int32Array
  readonly weights: Float32Array
}

/** What a pass read back: ids and weights, and the winners' logits and row normalisers when asked for. */
export interface PassOutputs extends RouteOutputs {
  readonly winnerLogits?: Float32Array | undefined
  /** Softmax normaliser per row (float32): the row's max logit and Σ exp(l − max). */
  readonly max?: Float32Array | undefined
  readonly sum?: Float32Array | undefined
  /** `checkRange`: whether some logit was NaN, ±∞ or beyond ±1e30 (the other outputs are then meaningless). */
  readonly outOfRange?: boolean | undefined
}

/** Runs router passes on one device; calls must not overlap (the caller serialises them). */
export class RouterPass {
  readonly #pipelines = new Map<string, ComputePipeline>()
  readonly #pool = new BufferPool()

  /** A pool buffer for the caller's own inputs (host logits uploaded for a pass), kept with the pass's buffers. */
  buffer(device: Device, name: string, size: number, usage: number): Buffer {
    return this.#pool.get(device, `input:${name}`, size, usage)
  }

  /**
   * Copies host logits into the chunks' storage buffers through one reused MAP_WRITE buffer (mapped, filled,
   * copied on the device), whose pages stay resident between calls.
   */
  async upload(device: Device, logits: Float32Array, chunks: readonly LogitsChunk[], cols: number): Promise<void> {
    const bytes = logits.byteLength
    if (bytes === 0) return
    const upload = this.#pool.get(device, 'upload', bytes, USAGE_MAP_WRITE | USAGE_COPY_SRC)
    await upload.mapAsync(MAP_MODE_WRITE, 0, bytes)
    new Float32Array(upload.getMappedRange(0, bytes)).set(logits)
    upload.unmap()
    const record = () => {
      const encoder = device.createCommandEncoder()
      for (const chunk of chunks) encoder.copyBufferToBuffer(upload, 4 * chunk.start * cols, chunk.buffer, 0, 4 * chunk.n * cols)
      device.queue.submit([encoder.finish()])
    }
    await checkedSubmit(device, record, () => Promise.resolve())
  }

  async run(device: Device, chunks: readonly LogitsChunk[], rows: number, spec: RouterPassSpec, bias?: Float32Array, out?: RouteOutputs): Promise<PassOutputs> {
    const { k } = spec
    const n = rows * k
    if (out !== undefined) checkOutputs(out, n)
    // Words of the one output buffer: ids, then weights, winners' logits and normalisers when written.
    const weightsAt = n
    const winnersAt = weightsAt + (spec.finish !== undefined ? n : 0)
    const normAt = winnersAt + (spec.winnerLogits === true ? n : 0)
    const words = normAt + (spec.normalizer === true ? 2 * rows : 0)
    if (n === 0)
      return (
        out ?? { ids: new Int32Array(0), weights: new Float32Array(0), winnerLogits: new Float32Array(0), max: new Float32Array(0), sum: new Float32Array(0) }
      )
    const key = JSON.stringify(spec)
    let pipeline = this.#pipelines.get(key)
    if (pipeline === undefined) {
      const module = device.createShaderModule({ code: routerPassSource(spec) })
      pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } })
      this.#pipelines.set(key, pipeline)
    }
    const bytes = 4 * words
    const result = this.#pool.get(device, 'out', bytes, USAGE_STORAGE | USAGE_COPY_SRC)
    const checked = spec.checkRange === true
    // The range flag rides in the word after the outputs.
    const staging = this.#pool.get(device, 'staging', bytes + 4, USAGE_MAP_READ | USAGE_COPY_DST)
    const flags = this.#pool.get(device, 'flags', 4, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST)
    const biasBuffer = this.#pool.get(device, 'bias', 4 * spec.numExperts, USAGE_STORAGE | USAGE_COPY_DST)
    const record = () => {
      if (bias !== undefined) device.queue.writeBuffer(biasBuffer, 0, bias)
      const encoder = device.createCommandEncoder()
      if (checked) encoder.clearBuffer(flags, 0, 4)
      for (let c = 0; c < chunks.length; c++) {
        const chunk = chunks[c]!
        const { x, y, width } = dispatchFor(chunk.n, WORKGROUP)
        const params = this.#pool.get(device, `params:${c}`, 32, USAGE_UNIFORM | USAGE_COPY_DST)
        device.queue.writeBuffer(params, 0, new Uint32Array([chunk.n, chunk.start, width, weightsAt, winnersAt, normAt, rows, 0]))
        const bindGroup = device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          // 'auto' layouts drop unused bindings: the bias only when the pass reads it.
          entries: [
            { binding: 0, resource: { buffer: params } },
            { binding: 1, resource: { buffer: chunk.buffer } },
            ...(spec.hasBias ? [{ binding: 2, resource: { buffer: biasBuffer } }] : []),
            { binding: 3, resource: { buffer: result } },
            ...(checked ? [{ binding: 4, resource: { buffer: flags } }] : []),
          ],
        })
        const pass = encoder.beginComputePass()
        pass.setPipeline(pipeline)
        pass.setBindGroup(0, bindGroup)
        pass.dispatchWorkgroups(x, y)
        pass.end()
      }
      encoder.copyBufferToBuffer(result, 0, staging, 0, bytes)
      if (checked) encoder.copyBufferToBuffer(flags, 0, staging, bytes, 4)
      device.queue.submit([encoder.finish()])
    }
    const readBack = async (): Promise<PassOutputs> => {
      // Fresh outputs: one buffer, viewed as ids, weights, …, its pages faulted in while the device works.
      const fresh = out === undefined ? new Uint8Array(bytes).fill(0) : undefined
      const mapBytes = bytes + (checked ? 4 : 0)
      await staging.mapAsync(MAP_MODE_READ, 0, mapBytes)
      try {
        const mapped = staging.getMappedRange(0, mapBytes)
        if (checked && new Uint32Array(mapped, bytes, 1)[0] !== 0) return { ids: new Int32Array(0), weights: new Float32Array(0), outOfRange: true }
        if (fresh === undefined) {
          out!.ids.set(new Int32Array(mapped, 0, n))
          if (spec.finish !== undefined) out!.weights.set(new Float32Array(mapped, 4 * weightsAt, n))
          else out!.weights.fill(0)
          return out!
        }
        fresh.set(new Uint8Array(mapped, 0, bytes))
        const buffer = fresh.buffer
        return {
          ids: new Int32Array(buffer, 0, n),
          weights: spec.finish !== undefined ? new Float32Array(buffer, 4 * weightsAt, n) : new Float32Array(n),
          ...(spec.winnerLogits === true ? { winnerLogits: new Float32Array(buffer, 4 * winnersAt, n) } : {}),
          ...(spec.normalizer === true ? { max: new Float32Array(buffer, 4 * normAt, rows), sum: new Float32Array(buffer, 4 * (normAt + rows), rows) } : {}),
        }
      } finally {
        staging.unmap()
      }
    }
    return checkedSubmit(device, record, readBack)
  }

  dispose(): void {
    this.#pool.dispose()
    this.#pipelines.clear()
  }
}

function checkOutputs(out: RouteOutputs, n: number): void {
  if (!(out.ids instanceof Int32Array) || out.ids.length !== n) {
    throw new InvalidArgumentError({ parameter: 'out.ids', value: out.ids, allowed: `an Int32Array of rows × k = ${n}` })
  }
  if (!(out.weights instanceof Float32Array) || out.weights.length !== n) {
    throw new InvalidArgumentError({ parameter: 'out.weights', value: out.weights, allowed: `a Float32Array of rows × k = ${n}` })
  }
}
