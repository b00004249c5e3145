/**
 * Generators of gpu.js kernel source text. gpu.js cannot compile local arrays longer than 4, so the
 * k running slots of a top-k are emitted as scalar variables, and ids leave the kernel packed several
 * to an f32 (exact while the packed integer stays below 2^24), four floats per cell (`Array(4)`).
 *
 * Cell layout ("quad-interleaved"): cells come in blocks of 4 tokens × `groups` so that the 4 lanes of
 * a webasm SIMD quad always hold the same group (no divergence) while worker threads still get an even
 * mix of groups. Cell x → block q = ⌊x / 4G⌋, r = x − 4Gq, group g = ⌊r / 4⌋, token 4q + (r − 4g).
 */

/** The sentinel below every candidate value: candidates are finite and validated to stay within ±1e30. */
export const NEG_SENTINEL = -3.0e38

/** How ids are packed into f32 values: `perFloat` ids of `bits` bits each. */
export interface Packing {
  readonly bits: number
  readonly base: number
  readonly perFloat: number
  /** Ids per `Array(4)` cell. */
  readonly perCell: number
}

export function packingFor(numExperts: number): Packing {
  const bits = Math.max(1, Math.ceil(Math.log2(numExperts)))
  const perFloat = Math.floor(24 / bits)
  return { bits, base: 2 ** bits, perFloat, perCell: 4 * perFloat }
}

const POW2_FACTORS = [0.5, 0.25, 2 ** -4, 2 ** -8, 2 ** -16, 2 ** -32, 2 ** -64]

/**
 * `exp(arg)` for arguments ≤ 0 as plain arithmetic (webasm imports Math.exp from JS, which stalls its
 * SIMD loop). Cody–Waite reduction x = n·ln2 + r (ln2 split in two so n·ln2_hi is exact, |r| ≤ ½ln2),
 * a degree-7 Taylor polynomial of e^r (error < 3e-9), times 2^n built bit by bit.
 */
function polyExpStatements(dst: string, arg: string, tag: string): string {
  const v = (n: string) => `${n}_${tag}`
  const r = v('r')
  return [
    `let ${v('x')} = Math.max(${arg}, -80.0);`,
    `let ${v('n')} = Math.floor(${v('x')} * 1.4426950408889634 + 0.5);`,
    `let ${r} = (${v('x')} - ${v('n')} * 0.693359375) + ${v('n')} * 0.00021219444005469057;`,
    `let ${v('p')} = 1.0 + ${r} * (1.0 + ${r} * (0.5 + ${r} * (0.16666666666666666 + ${r} * (0.041666666666666664 + ${r} * (0.008333333333333333 + ${r} * (0.001388888888888889 + ${r} * 0.0001984126984126984))))));`,
    `let ${v('k')} = -${v('n')};`,
    `let ${v('s')} = 1.0;`,
    // 2^-k bit by bit, unrolled and branch-free (webasm SIMD evaluates both sides of a divergent
    // branch anyway): d·b + (1 − d) is exactly b or 1.
    ...POW2_FACTORS.map(
      (b, i) =>
        `let ${v(`h${i}`)} = Math.floor(${v('k')} * 0.5); let ${v(`d${i}`)} = ${v('k')} - ${v(`h${i}`)} * 2.0; ${v('s')} = ${v('s')} * (${v(`d${i}`)} * ${floatLiteral(b)} + (1.0 - ${v(`d${i}`)})); ${v('k')} = ${v(`h${i}`)};`,
    ),
    `${dst} = ${v('p')} * ${v('s')};`,
  ].join('\n')
}

/** Statements assigning `exp(arg)` (arg ≤ 0) to the already-declared variable `dst`. */
export function expStatements(dst: string, arg: string, tag: string, polynomialExp: boolean): string {
  return polynomialExp ? polyExpStatements(dst, arg, tag) : `${dst} = Math.exp(${arg});`
}

/** A JS number as a kernel float literal (always with a decimal point or exponent). */
export function floatLiteral(value: number): string {
  const text = String(value)
  return /[.e]/.test(text) ? text : `${text}.0`
}

/** Statements computing the row max `m` and `sum` = Σ exp(l − m) (Kahan), optionally `lse`. */
function rowNormaliser(polynomialExp: boolean, assignLse: boolean): string {
  return [
    `let m = ${NEG_SENTINEL};`,
    `for (let e = 0; e < this.constants.E; e++) { m = Math.max(m, logits[tok][e]); }`,
    `let sum = 0.0; let comp = 0.0;`,
    `for (let e = 0; e < this.constants.E; e++) {`,
    `let ex = 0.0;`,
    expStatements('ex', 'logits[tok][e] - m', 'n', polynomialExp),
    // Kahan summation keeps the row sum within a few ulps, so host weights meet 1e-6 relative.
    `let y = ex - comp; let tsum = sum + y; comp = (tsum - sum) - y; sum = tsum;`,
    `}`,
    assignLse ? `const lse = m + Math.log(sum);` : '',
  ].join('\n')
}

/** Decodes the quad-interleaved cell index into `g` (group) and `tok` (token, clamped into range). */
function cellPrologue(groups: number): string {
  return [
    // +0.5: GL float division of integers may land just below an exact quotient
    `const q = Math.floor((this.thread.x + 0.5) / ${4 * groups});`,
    `const r = this.thread.x - q * ${4 * groups};`,
    `const g = Math.floor(r / 4);`,
    `let tok = q * 4 + (r - g * 4);`,
    // Padding cells of the last quad compute a duplicate of the last row; the host drops them.
    `if (tok > this.constants.N - 1) { tok = this.constants.N - 1; }`,
  ].join('\n')
}

function slotDeclarations(k: number, init = `${NEG_SENTINEL}`): string {
  const lines: string[] = []
  for (let j = 0; j < k; j++) lines.push(`let v${j} = ${init}; let i${j} = 0;`)
  return lines.join('\n')
}

/** Inserts candidate (x, e) into the sorted slots v0 ≥ v1 ≥ … (strict `>`: ties keep the lower id). */
function insertStatements(k: number, x: string, e: string): string {
  const last = k - 1
  const lines = [`if (${x} > v${last}) {`, `v${last} = ${x}; i${last} = ${e};`]
  for (let j = last; j > 0; j--) {
    lines.push(`if (v${j} > v${j - 1}) { let tv = v${j - 1}; v${j - 1} = v${j}; v${j} = tv; let ti = i${j - 1}; i${j - 1} = i${j}; i${j} = ti; }`)
  }
  lines.push('}')
  return lines.join('\n')
}

/** `return [...]` statements for each id group, packing slots `g·perCell …` (missing slots pack as 0). */
function packedReturns(k: number, packing: Packing, idGroups: number, lastFloat?: string): string {
  const { perFloat, perCell, base } = packing
  const packFloat = (start: number): string => {
    let expr = ''
    for (let j = start; j < start + perFloat; j++) {
      const id = j < k ? `i${j}` : '0.0'
      expr = expr === '' ? id : `(${expr}) * ${base}.0 + ${id}`
    }
    return expr
  }
  const lines: string[] = []
  for (let p = 0; p < idGroups; p++) {
    const start = p * perCell
    const floats = [0, 1, 2, 3].map((f) => packFloat(start + f * perFloat))
    if (lastFloat !== undefined && p === idGroups - 1) floats[3] = lastFloat
    const ret = `return [${floats.join(', ')}];`
    lines.push(p === idGroups - 1 ? ret : `if (g == ${p}) { ${ret} }`)
  }
  return lines.join('\n')
}

/**
 * Grouped selection keeps per-group top slots in one pass when groups × slots stays within this many
 * scalars (e.g. 8 groups × 8): every selection value (a sigmoid or exp) is computed once, and the
 * kept groups' slots are merged. Beyond it, a two-pass form recomputes the values of kept groups.
 */
export const PER_GROUP_SLOT_BUDGET = 128

/** Insert (x, e) into slots `${v}0…` / `${i}0…` of length `count`, sorted descending, strict `>`. */
function insertInto(v: string, i: string, count: number, x: string, e: string): string {
  const last = count - 1
  const lines = [`if (${x} > ${v}${last}) {`, `${v}${last} = ${x}; ${i}${last} = ${e};`]
  for (let j = last; j > 0; j--) {
    lines.push(
      `if (${v}${j} > ${v}${j - 1}) { let tv = ${v}${j - 1}; ${v}${j - 1} = ${v}${j}; ${v}${j} = tv; let ti = ${i}${j - 1}; ${i}${j - 1} = ${i}${j}; ${i}${j} = ti; }`,
    )
  }
  lines.push('}')
  return lines.join('\n')
}

/**
 * One pass over the experts, keeping each group's best `perGroup` (value, id) pairs; the group score is
 * the sum of its best `n`; then the kept groups' pairs (or, for a finite mask, the masked groups' first
 * ids at the mask value) are merged into the k final slots in group order, so ties still go to the
 * lower id exactly as in a scan in id order.
 */
function groupedOnePass(
  G: number,
  size: number,
  n: number,
  perGroup: number,
  k: number,
  topkGroup: number,
  maskValue: number,
  selectionValue: (dst: string, e: string) => string,
): string {
  const lines: string[] = []
  for (let gi = 0; gi < G; gi++) {
    const decl: string[] = []
    for (let j = 0; j < perGroup; j++) decl.push(`let a${gi}_${j} = ${NEG_SENTINEL}; let b${gi}_${j} = 0;`)
    lines.push(
      decl.join(' '),
      `for (let j = 0; j < ${size}; j++) {`,
      `let e = ${gi * size} + j;`,
      selectionValue('x', 'e'),
      insertInto(`a${gi}_`, `b${gi}_`, perGroup, 'x', 'e'),
      `}`,
      `let gs${gi} = ${Array.from({ length: n }, (_, p) => `a${gi}_${p}`).join(' + ')};`,
    )
  }
  for (let gi = 0; gi < G; gi++) {
    lines.push(`let rank${gi} = 0;`)
    for (let h = 0; h < G; h++) {
      if (h !== gi) lines.push(`if (gs${h} ${h < gi ? '>=' : '>'} gs${gi}) { rank${gi} = rank${gi} + 1; }`)
    }
  }
  const take = Math.min(k, perGroup)
  for (let gi = 0; gi < G; gi++) {
    lines.push(`if (rank${gi} < ${topkGroup}) {`)
    for (let j = 0; j < take; j++) lines.push(insertInto('v', 'i', k, `a${gi}_${j}`, `b${gi}_${j}`))
    lines.push('}')
    if (maskValue !== -Infinity) {
      lines.push('else {')
      for (let j = 0; j < Math.min(k, size); j++) lines.push(insertInto('v', 'i', k, floatLiteral(maskValue), `${gi * size + j}.0`))
      lines.push('}')
    }
  }
  return lines.join('\n')
}

export interface TopKSourceOptions {
  readonly numExperts: number
  readonly k: number
  readonly scoring: 'softmax' | 'sigmoid' | 'logits'
  readonly hasBias: boolean
  /** Resolved grouping: the group score sums each group's best `topN` selection values (1 = max). */
  readonly grouping?: { readonly numGroups: number; readonly topkGroup: number; readonly topN: number; readonly maskValue: number } | undefined
  readonly polynomialExp: boolean
  /** softmax weights wanted: emit Σ exp(l − max) per row (inline when a packed float is free). */
  readonly withNormaliser: boolean
}

export interface GeneratedKernel {
  readonly source: string
  /** Cell groups per token (`Array(4)` cells per token). */
  readonly groups: number
  /** Groups that carry packed ids. */
  readonly idGroups: number
  /** Argument names in call order. */
  readonly args: readonly string[]
  /**
   * Top-k only: where Σ exp(l − max) of each row went — the 4th float of the last id group ('inline'),
   * or nowhere ('separate': run `normaliserSource` too), or 'none' when not asked for.
   */
  readonly normaliser?: 'inline' | 'separate' | 'none'
}

/**
 * Top-k selection with scores: every group returns packed ids. For softmax weights the row's
 * Σ exp(l − max) (compensated sum) rides in the last packed float when that float is free, so the host
 * forms exact weights for the k winners without an E-wide pass of its own. (A separate cell group for
 * it would cost double: webasm SIMD runs both sides of a branch under lane masks.)
 */
export function topKSource(options: TopKSourceOptions): GeneratedKernel {
  const { numExperts: E, k, scoring, hasBias, grouping, polynomialExp } = options
  const packing = packingFor(E)
  const idGroups = Math.ceil(k / packing.perCell)
  const groups = idGroups
  const wantNormaliser = scoring === 'softmax' && options.withNormaliser
  const inline = wantNormaliser && k <= (idGroups - 1) * packing.perCell + 3 * packing.perFloat
  // Selection on raw logits is exact for monotone scores; bias (and top-2 group sums) need true scores.
  // A finite mask value competes with true scores, so it needs them too.
  const needsScores = scoring !== 'logits' && (hasBias || (grouping !== undefined && (grouping.topN > 1 || grouping.maskValue !== -Infinity)))
  const needsLse = scoring === 'softmax' && needsScores
  const args = ['logits', ...(hasBias ? ['bias'] : [])]

  // The selection value as one expression, for raw-logit selection (with an optional bias).
  const selectionExpression = (offset: number, j: string): string => `logits[tok][${offset} + ${j}]${hasBias ? ` + bias[${offset} + ${j}]` : ''}`
  let tag = 0
  const selectionValue = (dst: string, e: string): string => {
    const logit = `logits[tok][${e}]`
    const biasTerm = hasBias ? ` + bias[${e}]` : ''
    if (!needsScores) return `let ${dst} = ${logit}${biasTerm};`
    const t = `s${tag++}`
    if (scoring === 'softmax') {
      return `let ${dst} = 0.0;\n${expStatements(dst, `${logit} - lse`, t, polynomialExp)}\n${dst} = ${dst}${biasTerm};`
    }
    // sigmoid via exp(−|l|) so the exponent is never positive
    return [
      `let ${dst} = 0.0;`,
      `let l_${t} = ${logit};`,
      `let z_${t} = 0.0;`,
      expStatements(`z_${t}`, `-Math.abs(l_${t})`, t, polynomialExp),
      `if (l_${t} >= 0.0) { ${dst} = 1.0 / (1.0 + z_${t}); } else { ${dst} = z_${t} / (1.0 + z_${t}); }`,
      `${dst} = ${dst}${biasTerm};`,
    ].join('\n')
  }

  const normaliser = (assignLse: boolean): string => rowNormaliser(polynomialExp, assignLse)

  const body: string[] = [cellPrologue(groups)]
  if (needsLse || inline) body.push(normaliser(needsLse))
  body.push(slotDeclarations(k))

  const blockSize = Math.floor(E / k)
  if (grouping === undefined && !needsScores && blockSize >= 4) {
    // Pre-filter: the smallest of k disjoint block maxima is ≤ the k-th largest value (k distinct
    // elements reach it), so anything below it can never be selected. Most insertions (and, on
    // webasm, most of the SIMD quads that run the masked insertion) are skipped; ties at the bound stay.
    body.push(`let bound = ${-NEG_SENTINEL};`)
    for (let b = 0; b < k; b++) {
      body.push(
        `let bm${b} = ${NEG_SENTINEL};`,
        `for (let j = 0; j < ${blockSize}; j++) { bm${b} = Math.max(bm${b}, ${selectionExpression(b * blockSize, 'j')}); }`,
        `bound = Math.min(bound, bm${b});`,
      )
    }
    body.push(`for (let e = 0; e < this.constants.E; e++) {\n${selectionValue('x', 'e')}\nif (x >= bound) {\n${insertStatements(k, 'x', 'e')}\n}\n}`)
  } else if (grouping === undefined) {
    body.push(`for (let e = 0; e < this.constants.E; e++) {\n${selectionValue('x', 'e')}\n${insertStatements(k, 'x', 'e')}\n}`)
  } else {
    const G = grouping.numGroups
    const size = E / G
    const n = grouping.topN
    const perGroup = Math.min(size, Math.max(k, n))
    if (G * perGroup <= PER_GROUP_SLOT_BUDGET) {
      body.push(groupedOnePass(G, size, n, perGroup, k, grouping.topkGroup, grouping.maskValue, selectionValue))
    } else {
      for (let gi = 0; gi < G; gi++) {
        const decl: string[] = []
        for (let p = 0; p < n; p++) decl.push(`let gv${gi}_${p} = ${NEG_SENTINEL};`)
        // Insert x into the group's n best values (sorted, descending).
        const insert: string[] = [`if (x > gv${gi}_${n - 1}) {`, `gv${gi}_${n - 1} = x;`]
        for (let p = n - 1; p > 0; p--) {
          insert.push(`if (gv${gi}_${p} > gv${gi}_${p - 1}) { let tg = gv${gi}_${p - 1}; gv${gi}_${p - 1} = gv${gi}_${p}; gv${gi}_${p} = tg; }`)
        }
        insert.push('}')
        const sum = Array.from({ length: n }, (_, p) => `gv${gi}_${p}`).join(' + ')
        body.push(
          [
            decl.join(' '),
            `for (let j = 0; j < ${size}; j++) {`,
            `let e = ${gi * size} + j;`,
            selectionValue('x', 'e'),
            insert.join('\n'),
            `}`,
            `let gs${gi} = ${sum};`,
          ].join('\n'),
        )
      }
      // A group is kept when fewer than topkGroup groups beat it (ties → lower group index).
      for (let gi = 0; gi < G; gi++) {
        const lines = [`let rank${gi} = 0;`]
        for (let h = 0; h < G; h++) {
          if (h === gi) continue
          lines.push(`if (gs${h} ${h < gi ? '>=' : '>'} gs${gi}) { rank${gi} = rank${gi} + 1; }`)
        }
        body.push(lines.join('\n'))
      }
      // Experts in id order, so ties (also among masked experts) resolve to the lower id. A -∞ mask skips
      // the group; a finite mask value competes like any selection value.
      const masked = grouping.maskValue === -Infinity ? null : grouping.maskValue
      for (let gi = 0; gi < G; gi++) {
        const kept = [`for (let j = 0; j < ${size}; j++) {`, `let e = ${gi * size} + j;`, selectionValue('x', 'e'), insertStatements(k, 'x', 'e'), `}`]
        const lines = [`if (rank${gi} < ${grouping.topkGroup}) {`, ...kept, `}`]
        if (masked !== null) {
          lines.push(
            `else {`,
            `for (let j = 0; j < ${size}; j++) {`,
            `let e = ${gi * size} + j;`,
            `let x = ${floatLiteral(masked)};`,
            insertStatements(k, 'x', 'e'),
            `}`,
            `}`,
          )
        }
        body.push(lines.join('\n'))
      }
    }
  }
  body.push(packedReturns(k, packing, idGroups, inline ? 'sum' : undefined))
  return {
    source: `function (${args.join(', ')}) {\n${body.join('\n')}\n}`,
    groups,
    idGroups,
    args,
    normaliser: inline ? 'inline' : wantNormaliser ? 'separate' : 'none',
  }
}

/** One float per row: Σ exp(l − max) (compensated), for top-k calls whose ids fill every packed float. */
export function normaliserSource(polynomialExp: boolean): string {
  return [`function (logits) {`, `const tok = this.thread.x;`, rowNormaliser(polynomialExp, false), `return sum;`, `}`].join('\n')
}

export type SamplerDraw =
  /** ids i.i.d. uniform: ⌊u·E⌋. */
  | 'uniform_iid'
  /** k distinct uniform ids by rejection of repeats. */
  | 'uniform_rejection'
  /** k distinct ids, Plackett–Luce: draws from the CDF (binary search), repeats rejected. */
  | 'categorical_rejection'
  /** k distinct ids by Gumbel-top-k on log-weights, noise from Math.random. */
  | 'gumbel_random'
  /** k distinct ids by Gumbel-top-k on log-weights, uniforms supplied by the host (GL, cpu). */
  | 'gumbel_host_noise'

export interface SamplerSourceOptions {
  readonly draw: SamplerDraw
  readonly numExperts: number
  readonly k: number
  /** Layers stacked along the token axis: rows `[l·N, (l+1)·N)` use weight row l. */
  readonly layers: number
  /** Attempts per slot before a row is reported as failed (`[-1, …]`); the host then redraws it. */
  readonly maxTries: number
}

/**
 * Seeded sampling of expert ids. Random draws (`Math.random`, gpu.js's per-thread PCG stream on
 * webasm/webgpu) require one thread per token, so those kernels have a single id group.
 */
export function samplerSource(options: SamplerSourceOptions): GeneratedKernel {
  const { draw, numExperts: E, k, maxTries } = options
  const packing = packingFor(E)
  const idGroups = Math.ceil(k / packing.perCell)
  if (draw !== 'uniform_iid' && draw !== 'gumbel_host_noise' && idGroups !== 1) {
    throw new RangeError(`samplerSource: '${draw}' needs k ≤ ${packing.perCell} at E=${E}`)
  }
  const body: string[] = [cellPrologue(idGroups), `const layer = Math.floor((tok + 0.5) / this.constants.N_LAYER);`]
  const args: string[] = []
  const uniform = `Math.random()`

  if (draw === 'uniform_iid' && packing.base === E && k === packing.perCell) {
    // E = 2^bits: Math.random is k/2^24 with k uniform on 24 bits, so one draw yields a whole packed
    // float of perFloat independent uniform ids (its top perFloat·bits bits), exactly.
    const scale = floatLiteral(2 ** (packing.perFloat * packing.bits))
    body.push(`return [${[0, 1, 2, 3].map(() => `Math.floor(${uniform} * ${scale})`).join(', ')}];`)
    return { source: `function (${args.join(', ')}) {\n${body.join('\n')}\n}`, groups: idGroups, idGroups, args }
  } else if (draw === 'uniform_iid') {
    // Each group draws only its own slots: i.i.d. slots need no shared stream.
    for (let j = 0; j < k; j++) body.push(`let i${j} = Math.min(Math.floor(${uniform} * ${E}.0), ${E - 1}.0);`)
  } else if (draw === 'uniform_rejection' || draw === 'categorical_rejection') {
    if (draw === 'categorical_rejection') args.push('cdf')
    const steps = Math.ceil(Math.log2(E)) + 1
    const drawInto = (dst: string): string =>
      draw === 'uniform_rejection'
        ? `let ${dst} = Math.min(Math.floor(${uniform} * ${E}.0), ${E - 1}.0);`
        : [
            `let u = ${uniform};`,
            `let lo = 0; let hi = ${E - 1};`,
            // smallest i with cdf[i] > u; zero-weight experts repeat the previous cdf value and never win
            `for (let it = 0; it < ${steps}; it++) { if (lo < hi) { let mid = Math.floor((lo + hi) * 0.5); if (cdf[layer][mid] > u) { hi = mid; } else { lo = mid + 1; } } }`,
            `let ${dst} = lo;`,
          ].join('\n')
    body.push(`let bad = 0;`)
    for (let j = 0; j < k; j++) {
      const distinct = Array.from({ length: j }, (_, p) => `c != i${p}`).join(' && ') || 'true'
      body.push(
        [
          `let i${j} = -1;`,
          `for (let t = 0; t < ${maxTries}; t++) {`,
          drawInto('c'),
          `if (${distinct}) { i${j} = c; break; }`,
          `}`,
          `if (i${j} < 0) { bad = 1; i${j} = 0; }`,
        ].join('\n'),
      )
    }
    body.push(`if (bad > 0) { return [-1.0, 0.0, 0.0, 0.0]; }`)
  } else {
    args.push('logWeights')
    if (draw === 'gumbel_host_noise') args.push('noise')
    body.push(slotDeclarations(k))
    body.push(
      [
        `for (let e = 0; e < this.constants.E; e++) {`,
        draw === 'gumbel_host_noise' ? `let u = noise[tok][e];` : `let u = ${uniform};`,
        // Keep u inside (0, 1): Math.random's 24-bit grid can hit 0, and host uniforms can round to 1 in f32.
        `if (u < 1.0e-7) { u = 1.0e-7; }`,
        `if (u > 0.99999994) { u = 0.99999994; }`,
        `let x = logWeights[layer][e] - Math.log(-Math.log(u));`,
        insertStatements(k, 'x', 'e'),
        `}`,
      ].join('\n'),
    )
  }
  body.push(packedReturns(k, packing, idGroups))
  return { source: `function (${args.join(', ')}) {\n${body.join('\n')}\n}`, groups: idGroups, idGroups, args }
}

/**
 * Unpacks the ids of `rows` tokens from a flat `Array(4)` result (`cells·4` floats, quad-interleaved)
 * into `out[(rowOffset + t)·k + j]`. Returns the rows whose first float is negative (failed draws).
 */
export function unpackIds(
  flat: Float32Array,
  rows: number,
  k: number,
  groups: number,
  idGroups: number,
  packing: Packing,
  out: Int32Array,
  rowOffset: number,
): number[] {
  const { perFloat, perCell, bits } = packing
  const mask = (1 << bits) - 1
  const failed: number[] = []
  for (let t = 0; t < rows; t++) {
    const cellBase = ((t >> 2) * 4 * groups + (t & 3)) * 4
    if (flat[cellBase]! < 0) {
      failed.push(t)
      continue
    }
    const rowBase = (rowOffset + t) * k
    for (let gi = 0; gi < idGroups; gi++) {
      const at = cellBase + gi * 16
      for (let f = 0; f < 4; f++) {
        // packed values are integers below 2^24, so they convert to int32 exactly
        const v = flat[at + f]! | 0
        const first = gi * perCell + f * perFloat
        for (let p = 0; p < perFloat; p++) {
          const slot = first + p
          if (slot < k) out[rowBase + slot] = (v >>> (bits * (perFloat - 1 - p))) & mask
        }
      }
    }
  }
  return failed
}

/** Number of cells for `rows` tokens (rows padded to a multiple of 4). */
export function cellCount(rows: number, groups: number): number {
  return Math.ceil(rows / 4) * 4 * groups
}
