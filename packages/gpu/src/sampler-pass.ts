import type { SamplerDraw } from './kernel-source.ts'

/**
 * Seeded sampling of expert ids as one hand-written WGSL pass (one thread per token), fused with what
 * the caller keeps: per-layer counts (atomic histogram) or int32 ids. Nothing is packed into floats, so
 * there is no intermediate buffer and no unpacking pass; the same draws as the gpu.js sampler kernels
 * (`samplerSource`): i.i.d. uniform, k distinct by rejection of repeats (uniform or from a per-layer
 * CDF), or Gumbel-top-k on per-layer log-weights. Random numbers: a PCG stream per token (gpu.js's
 * `Math.random` construction: seed + token · golden ratio, one LCG step, RXS-M-XS output), 24-bit uniforms.
 */
export interface SamplerPassSpec {
  readonly draw: Exclude<SamplerDraw, 'gumbel_host_noise'>
  readonly numExperts: number
  readonly k: number
  /** Attempts per slot before a rejection row is reported as failed (the host then redoes the call). */
  readonly maxTries: number
  /** 'counts': atomic per-layer histogram `[layers, E]` (+ failed-row counter); 'ids': int32 `[rows, k]`. */
  readonly output: 'counts' | 'ids'
}

export const SAMPLER_WORKGROUP = 64

const range = (n: number) => Array.from({ length: n }, (_, j) => j)

/** Bindings: 0 params, 1 table `[layers, E]` (CDF or log-weights; unused for uniform draws), 2 counts, 3 ids. */
export function samplerPassSource(spec: SamplerPassSpec): string {
  const { draw, numExperts: E, k, maxTries, output } = spec
  const body: string[] = [
    'let row = gid.x + gid.y * p.width;',
    'if (row >= p.totalRows) { return; }',
    'var state = (p.seed + row * 2654435769u) * 747796405u + 2891336453u;',
    'let layer = row / p.rowsPerLayer;',
    `let tbase = layer * ${E}u;`,
  ]
  const drawOne = (dst: string): string[] => {
    if (draw === 'categorical_rejection') {
      const steps = Math.ceil(Math.log2(E)) + 1
      return [
        'let u = uniform01(&state);',
        `var lo = 0u; var hi = ${E - 1}u;`,
        // smallest i with cdf[i] > u; zero-weight experts repeat the previous cdf value and never win
        `for (var it = 0u; it < ${steps}u; it++) { if (lo < hi) { let mid = (lo + hi) / 2u; if (table[tbase + mid] > u) { hi = mid; } else { lo = mid + 1u; } } }`,
        `let ${dst} = lo;`,
      ]
    }
    return [`let ${dst} = min(u32(uniform01(&state) * ${E}.0), ${E - 1}u);`]
  }
  if (draw === 'uniform_iid') {
    for (const j of range(k)) body.push('{', ...drawOne('c'), `i${j} = c;`, '}')
  } else if (draw === 'uniform_rejection' || draw === 'categorical_rejection') {
    body.push('var bad = false;')
    for (const j of range(k)) {
      const distinct = range(j)
        .map((q) => `c != i${q}`)
        .join(' && ')
      body.push(
        `i${j} = ${E}u;`,
        `for (var t = 0u; t < ${maxTries}u; t++) {`,
        ...drawOne('c'),
        distinct === '' ? `i${j} = c; break;` : `if (${distinct}) { i${j} = c; break; }`,
        '}',
        `if (i${j} == ${E}u) { bad = true; i${j} = 0u; }`,
      )
    }
    // A slot that missed all its attempts (≤ 2^-64 per slot): count the row as failed, draw nothing.
    body.push(`if (bad) { atomicAdd(&counts[p.failedSlot], 1u); return; }`)
  } else {
    body.push(
      range(k)
        .map((j) => `var v${j} = -3.0e38;`)
        .join(' '),
    )
    body.push(
      `for (var e = 0u; e < ${E}u; e++) {`,
      // Keep u inside (0, 1): the 24-bit grid can hit 0.
      'let u = clamp(uniform01(&state), 1.0e-7, 0.99999994);',
      'let x = table[tbase + e] - log(-log(u));',
      insert(k, 'x', 'e'),
      '}',
    )
  }
  for (const j of range(k)) {
    body.push(output === 'counts' ? `atomicAdd(&counts[tbase + i${j}], 1u);` : `ids[row * ${k}u + ${j}u] = i${j};`)
  }
  return [
    'struct Params { totalRows : u32, rowsPerLayer : u32, width : u32, seed : u32, failedSlot : u32 }',
    '@group(0) @binding(0) var<uniform> p : Params;',
    '@group(0) @binding(1) var<storage, read> table : array<f32>;',
    '@group(0) @binding(2) var<storage, read_write> counts : array<atomic<u32>>;',
    '@group(0) @binding(3) var<storage, read_write> ids : array<u32>;',
    'fn uniform01(s : ptr<function, u32>) -> f32 {',
    '  let state = *s * 747796405u + 2891336453u;',
    '  *s = state;',
    '  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;',
    '  return f32(((word >> 22u) ^ word) >> 8u) * (1.0 / 16777216.0);',
    '}',
    `@compute @workgroup_size(${SAMPLER_WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid : vec3<u32>) {',
    range(k)
      .map((j) => `var i${j} = 0u;`)
      .join(' '),
    ...body,
    '}',
  ].join('\n')
}

/** Insert (x, e) into the sorted slots v0 ≥ v1 ≥ … (strict `>`: ties keep the lower id). */
function insert(k: number, x: string, e: string): string {
  const last = k - 1
  const lines = [`if (${x} > v${last}) {`, `v${last} = ${x}; i${last} = ${e};`]
  for (let j = last; j > 0; j--) {
    lines.push(`if (v${j} > v${j - 1}) { let tv = v${j - 1}; v${j - 1} = v${j}; v${j} = tv; let ti = i${j - 1}; i${j - 1} = i${j}; i${j} = ti; }`)
  }
  lines.push('}')
  return lines.join('\n')
}
