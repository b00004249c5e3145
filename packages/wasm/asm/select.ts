// Selection helpers shared by the kernels: the lower bound, sort keys, a sorting network and the
// reference's insertion.

/**
 * Blocks of vectors for the lower bound of the want-th largest value: lane j of block b is one group, so
 * 4·blocks ≥ want groups, each holding a value ≥ its max. Four blocks (16 groups) when there are vectors
 * for them, which gives a tighter bound than the fewest blocks; 0 (no bound) when there are too few
 * vectors, or when want > 32 (the maxima must fit the kernels' 128-byte scratch; large k scans anyway).
 */
export function boundBlocks(nvec: i32, want: i32): i32 {
  const need = (want + 3) >> 2
  if (nvec < need || need > 8) return 0
  return min(nvec, max(need, 4))
}

/** Bytes at `out` that rankThresholds uses: its 2 results (16, for alignment), then 3 rotations of up to 8 vectors. */
export const RANK_THRESHOLDS_BYTES: usize = 16 + 8 * 48

/**
 * The want-th and (want+1)-th largest of the 4·blocks values at `values` (blocks ≤ 8 f32x4 vectors), stored at
 * `out` and `out + 4` (+∞ where fewer values exist). For the lower bound: at least want groups hold a value as
 * large as the want-th largest group maximum. Every value's rank is counted against all lanes of all vectors
 * (each vector and its three rotations), four values at a time, without branches.
 */
// @ts-expect-error AssemblyScript decorator
@inline
export function rankThresholds(values: usize, blocks: i32, want: i32, out: usize): void {
  const rotations = out + 16 // scratch: 3 rotations per vector
  for (let c = 0; c < blocks; c++) {
    const v = v128.load(values + (<usize>c << 4))
    const at = rotations + (<usize>c * 48)
    v128.store(at, i8x16.shuffle(v, v, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3))
    v128.store(at, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7), 16)
    v128.store(at, i8x16.shuffle(v, v, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 32)
  }
  const inf = f32x4.splat(Infinity)
  let first = inf
  let second = inf
  for (let b = 0; b < blocks; b++) {
    const v = v128.load(values + (<usize>b << 4))
    let greater = i32x4.splat(0)
    for (let c = 0; c < blocks; c++) {
      const at = rotations + (<usize>c * 48)
      greater = i32x4.sub(greater, f32x4.gt(v128.load(values + (<usize>c << 4)), v))
      greater = i32x4.sub(greater, f32x4.gt(v128.load(at), v))
      greater = i32x4.sub(greater, f32x4.gt(v128.load(at, 16), v))
      greater = i32x4.sub(greater, f32x4.gt(v128.load(at, 32), v))
    }
    // A value with fewer than `want` values above it is ≥ the want-th largest; the smallest such value is it.
    first = f32x4.pmin(first, v128.bitselect(v, inf, i32x4.lt_s(greater, i32x4.splat(want))))
    second = f32x4.pmin(second, v128.bitselect(v, inf, i32x4.lt_s(greater, i32x4.splat(want + 1))))
  }
  store<f32>(out, horizontalMin(first))
  store<f32>(out + 4, horizontalMin(second))
}

// @ts-expect-error AssemblyScript decorator
@inline
function horizontalMin(v: v128): f32 {
  const h = f32x4.pmin(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))
  return f32x4.extract_lane(f32x4.pmin(h, i8x16.shuffle(h, h, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)), 0)
}

/**
 * Writes to `cand`, in position order, the positions of the values ≥ t among `nvec` f32x4 vectors at
 * `values`, and returns how many: a 64-bit mask per 16 vectors (four lanes per compare), then its set bits.
 */
// @ts-expect-error AssemblyScript decorator
@inline
export function collectAtLeast(values: usize, nvec: i32, t: f32, cand: usize): i32 {
  const cut = f32x4.splat(t)
  let n = 0
  for (let v0 = 0; v0 < nvec; v0 += 16) {
    const v1 = min(v0 + 16, nvec)
    let mask: u64 = 0
    for (let v = v0; v < v1; v++) {
      mask |= <u64>i32x4.bitmask(f32x4.ge(v128.load(values + (<usize>v << 4)), cut)) << (<u64>(v - v0) << 2)
    }
    while (mask != 0) {
      store<i32>(cand + (<usize>n << 2), (v0 << 2) + <i32>ctz(mask))
      mask &= mask - 1
      n++
    }
  }
  return n
}

/** Fills `width` sort keys at `keys`: the n candidates' keys (their positions at `cand`, values at `values`), then 0s. */
// @ts-expect-error AssemblyScript decorator
@inline
export function loadSortKeys(keys: usize, width: i32, values: usize, cand: usize, n: i32): void {
  for (let c = 0; c < width; c++) store<u64>(keys + (<usize>c << 3), c < n ? sortKey(values, load<i32>(cand + (<usize>c << 2))) : 0)
}

/**
 * A key whose unsigned order is (value, then lower id): the f32's bits made monotone (−0 counted as +0,
 * as comparisons do) above the complemented id.
 */
// @ts-expect-error AssemblyScript decorator
@inline
export function sortKey(row: usize, id: i32): u64 {
  const bits = reinterpret<i32>(load<f32>(row + (<usize>id << 2)) + 0.0)
  const mono = <u32>(bits ^ ((bits >> 31) | 0x80000000))
  return (<u64>mono << 32) | <u64>(0xffffffff - <u32>id)
}

/** Sorted insertion of (x, id) into a row's k slots, after any equal value (lower ids stay first). */
// @ts-expect-error AssemblyScript decorator
@inline
export function insert(outI: usize, outV: usize, filled: i32, k: i32, x: f32, id: i32): i32 {
  let pos = filled < k ? filled++ : k - 1
  while (pos > 0) {
    const prev = load<f32>(outV + (<usize>(pos - 1) << 2))
    if (!(prev < x)) break
    store<f32>(outV + (<usize>pos << 2), prev)
    store<i32>(outI + (<usize>pos << 2), load<i32>(outI + (<usize>(pos - 1) << 2)))
    pos--
  }
  store<f32>(outV + (<usize>pos << 2), x)
  store<i32>(outI + (<usize>pos << 2), id)
  return filled
}

/** Sorts 32 keys at `keys` in descending unsigned order with a branch-free odd–even merge network (191 comparators). */
// @ts-expect-error AssemblyScript decorator
@inline
export function sort32Descending(keys: usize): void {
  let k0 = load<u64>(keys, 0)
  let k1 = load<u64>(keys, 8)
  let k2 = load<u64>(keys, 16)
  let k3 = load<u64>(keys, 24)
  let k4 = load<u64>(keys, 32)
  let k5 = load<u64>(keys, 40)
  let k6 = load<u64>(keys, 48)
  let k7 = load<u64>(keys, 56)
  let k8 = load<u64>(keys, 64)
  let k9 = load<u64>(keys, 72)
  let k10 = load<u64>(keys, 80)
  let k11 = load<u64>(keys, 88)
  let k12 = load<u64>(keys, 96)
  let k13 = load<u64>(keys, 104)
  let k14 = load<u64>(keys, 112)
  let k15 = load<u64>(keys, 120)
  let k16 = load<u64>(keys, 128)
  let k17 = load<u64>(keys, 136)
  let k18 = load<u64>(keys, 144)
  let k19 = load<u64>(keys, 152)
  let k20 = load<u64>(keys, 160)
  let k21 = load<u64>(keys, 168)
  let k22 = load<u64>(keys, 176)
  let k23 = load<u64>(keys, 184)
  let k24 = load<u64>(keys, 192)
  let k25 = load<u64>(keys, 200)
  let k26 = load<u64>(keys, 208)
  let k27 = load<u64>(keys, 216)
  let k28 = load<u64>(keys, 224)
  let k29 = load<u64>(keys, 232)
  let k30 = load<u64>(keys, 240)
  let k31 = load<u64>(keys, 248)
  { const c = k0 < k1; const t = select<u64>(k1, k0, c); k1 = select<u64>(k0, k1, c); k0 = t }
  { const c = k2 < k3; const t = select<u64>(k3, k2, c); k3 = select<u64>(k2, k3, c); k2 = t }
  { const c = k0 < k2; const t = select<u64>(k2, k0, c); k2 = select<u64>(k0, k2, c); k0 = t }
  { const c = k1 < k3; const t = select<u64>(k3, k1, c); k3 = select<u64>(k1, k3, c); k1 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k4 < k5; const t = select<u64>(k5, k4, c); k5 = select<u64>(k4, k5, c); k4 = t }
  { const c = k6 < k7; const t = select<u64>(k7, k6, c); k7 = select<u64>(k6, k7, c); k6 = t }
  { const c = k4 < k6; const t = select<u64>(k6, k4, c); k6 = select<u64>(k4, k6, c); k4 = t }
  { const c = k5 < k7; const t = select<u64>(k7, k5, c); k7 = select<u64>(k5, k7, c); k5 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k0 < k4; const t = select<u64>(k4, k0, c); k4 = select<u64>(k0, k4, c); k0 = t }
  { const c = k2 < k6; const t = select<u64>(k6, k2, c); k6 = select<u64>(k2, k6, c); k2 = t }
  { const c = k2 < k4; const t = select<u64>(k4, k2, c); k4 = select<u64>(k2, k4, c); k2 = t }
  { const c = k1 < k5; const t = select<u64>(k5, k1, c); k5 = select<u64>(k1, k5, c); k1 = t }
  { const c = k3 < k7; const t = select<u64>(k7, k3, c); k7 = select<u64>(k3, k7, c); k3 = t }
  { const c = k3 < k5; const t = select<u64>(k5, k3, c); k5 = select<u64>(k3, k5, c); k3 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k3 < k4; const t = select<u64>(k4, k3, c); k4 = select<u64>(k3, k4, c); k3 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k8 < k9; const t = select<u64>(k9, k8, c); k9 = select<u64>(k8, k9, c); k8 = t }
  { const c = k10 < k11; const t = select<u64>(k11, k10, c); k11 = select<u64>(k10, k11, c); k10 = t }
  { const c = k8 < k10; const t = select<u64>(k10, k8, c); k10 = select<u64>(k8, k10, c); k8 = t }
  { const c = k9 < k11; const t = select<u64>(k11, k9, c); k11 = select<u64>(k9, k11, c); k9 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k12 < k13; const t = select<u64>(k13, k12, c); k13 = select<u64>(k12, k13, c); k12 = t }
  { const c = k14 < k15; const t = select<u64>(k15, k14, c); k15 = select<u64>(k14, k15, c); k14 = t }
  { const c = k12 < k14; const t = select<u64>(k14, k12, c); k14 = select<u64>(k12, k14, c); k12 = t }
  { const c = k13 < k15; const t = select<u64>(k15, k13, c); k15 = select<u64>(k13, k15, c); k13 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  { const c = k8 < k12; const t = select<u64>(k12, k8, c); k12 = select<u64>(k8, k12, c); k8 = t }
  { const c = k10 < k14; const t = select<u64>(k14, k10, c); k14 = select<u64>(k10, k14, c); k10 = t }
  { const c = k10 < k12; const t = select<u64>(k12, k10, c); k12 = select<u64>(k10, k12, c); k10 = t }
  { const c = k9 < k13; const t = select<u64>(k13, k9, c); k13 = select<u64>(k9, k13, c); k9 = t }
  { const c = k11 < k15; const t = select<u64>(k15, k11, c); k15 = select<u64>(k11, k15, c); k11 = t }
  { const c = k11 < k13; const t = select<u64>(k13, k11, c); k13 = select<u64>(k11, k13, c); k11 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k11 < k12; const t = select<u64>(k12, k11, c); k12 = select<u64>(k11, k12, c); k11 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  { const c = k0 < k8; const t = select<u64>(k8, k0, c); k8 = select<u64>(k0, k8, c); k0 = t }
  { const c = k4 < k12; const t = select<u64>(k12, k4, c); k12 = select<u64>(k4, k12, c); k4 = t }
  { const c = k4 < k8; const t = select<u64>(k8, k4, c); k8 = select<u64>(k4, k8, c); k4 = t }
  { const c = k2 < k10; const t = select<u64>(k10, k2, c); k10 = select<u64>(k2, k10, c); k2 = t }
  { const c = k6 < k14; const t = select<u64>(k14, k6, c); k14 = select<u64>(k6, k14, c); k6 = t }
  { const c = k6 < k10; const t = select<u64>(k10, k6, c); k10 = select<u64>(k6, k10, c); k6 = t }
  { const c = k2 < k4; const t = select<u64>(k4, k2, c); k4 = select<u64>(k2, k4, c); k2 = t }
  { const c = k6 < k8; const t = select<u64>(k8, k6, c); k8 = select<u64>(k6, k8, c); k6 = t }
  { const c = k10 < k12; const t = select<u64>(k12, k10, c); k12 = select<u64>(k10, k12, c); k10 = t }
  { const c = k1 < k9; const t = select<u64>(k9, k1, c); k9 = select<u64>(k1, k9, c); k1 = t }
  { const c = k5 < k13; const t = select<u64>(k13, k5, c); k13 = select<u64>(k5, k13, c); k5 = t }
  { const c = k5 < k9; const t = select<u64>(k9, k5, c); k9 = select<u64>(k5, k9, c); k5 = t }
  { const c = k3 < k11; const t = select<u64>(k11, k3, c); k11 = select<u64>(k3, k11, c); k3 = t }
  { const c = k7 < k15; const t = select<u64>(k15, k7, c); k15 = select<u64>(k7, k15, c); k7 = t }
  { const c = k7 < k11; const t = select<u64>(k11, k7, c); k11 = select<u64>(k7, k11, c); k7 = t }
  { const c = k3 < k5; const t = select<u64>(k5, k3, c); k5 = select<u64>(k3, k5, c); k3 = t }
  { const c = k7 < k9; const t = select<u64>(k9, k7, c); k9 = select<u64>(k7, k9, c); k7 = t }
  { const c = k11 < k13; const t = select<u64>(k13, k11, c); k13 = select<u64>(k11, k13, c); k11 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k3 < k4; const t = select<u64>(k4, k3, c); k4 = select<u64>(k3, k4, c); k3 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k7 < k8; const t = select<u64>(k8, k7, c); k8 = select<u64>(k7, k8, c); k7 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k11 < k12; const t = select<u64>(k12, k11, c); k12 = select<u64>(k11, k12, c); k11 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  { const c = k16 < k17; const t = select<u64>(k17, k16, c); k17 = select<u64>(k16, k17, c); k16 = t }
  { const c = k18 < k19; const t = select<u64>(k19, k18, c); k19 = select<u64>(k18, k19, c); k18 = t }
  { const c = k16 < k18; const t = select<u64>(k18, k16, c); k18 = select<u64>(k16, k18, c); k16 = t }
  { const c = k17 < k19; const t = select<u64>(k19, k17, c); k19 = select<u64>(k17, k19, c); k17 = t }
  { const c = k17 < k18; const t = select<u64>(k18, k17, c); k18 = select<u64>(k17, k18, c); k17 = t }
  { const c = k20 < k21; const t = select<u64>(k21, k20, c); k21 = select<u64>(k20, k21, c); k20 = t }
  { const c = k22 < k23; const t = select<u64>(k23, k22, c); k23 = select<u64>(k22, k23, c); k22 = t }
  { const c = k20 < k22; const t = select<u64>(k22, k20, c); k22 = select<u64>(k20, k22, c); k20 = t }
  { const c = k21 < k23; const t = select<u64>(k23, k21, c); k23 = select<u64>(k21, k23, c); k21 = t }
  { const c = k21 < k22; const t = select<u64>(k22, k21, c); k22 = select<u64>(k21, k22, c); k21 = t }
  { const c = k16 < k20; const t = select<u64>(k20, k16, c); k20 = select<u64>(k16, k20, c); k16 = t }
  { const c = k18 < k22; const t = select<u64>(k22, k18, c); k22 = select<u64>(k18, k22, c); k18 = t }
  { const c = k18 < k20; const t = select<u64>(k20, k18, c); k20 = select<u64>(k18, k20, c); k18 = t }
  { const c = k17 < k21; const t = select<u64>(k21, k17, c); k21 = select<u64>(k17, k21, c); k17 = t }
  { const c = k19 < k23; const t = select<u64>(k23, k19, c); k23 = select<u64>(k19, k23, c); k19 = t }
  { const c = k19 < k21; const t = select<u64>(k21, k19, c); k21 = select<u64>(k19, k21, c); k19 = t }
  { const c = k17 < k18; const t = select<u64>(k18, k17, c); k18 = select<u64>(k17, k18, c); k17 = t }
  { const c = k19 < k20; const t = select<u64>(k20, k19, c); k20 = select<u64>(k19, k20, c); k19 = t }
  { const c = k21 < k22; const t = select<u64>(k22, k21, c); k22 = select<u64>(k21, k22, c); k21 = t }
  { const c = k24 < k25; const t = select<u64>(k25, k24, c); k25 = select<u64>(k24, k25, c); k24 = t }
  { const c = k26 < k27; const t = select<u64>(k27, k26, c); k27 = select<u64>(k26, k27, c); k26 = t }
  { const c = k24 < k26; const t = select<u64>(k26, k24, c); k26 = select<u64>(k24, k26, c); k24 = t }
  { const c = k25 < k27; const t = select<u64>(k27, k25, c); k27 = select<u64>(k25, k27, c); k25 = t }
  { const c = k25 < k26; const t = select<u64>(k26, k25, c); k26 = select<u64>(k25, k26, c); k25 = t }
  { const c = k28 < k29; const t = select<u64>(k29, k28, c); k29 = select<u64>(k28, k29, c); k28 = t }
  { const c = k30 < k31; const t = select<u64>(k31, k30, c); k31 = select<u64>(k30, k31, c); k30 = t }
  { const c = k28 < k30; const t = select<u64>(k30, k28, c); k30 = select<u64>(k28, k30, c); k28 = t }
  { const c = k29 < k31; const t = select<u64>(k31, k29, c); k31 = select<u64>(k29, k31, c); k29 = t }
  { const c = k29 < k30; const t = select<u64>(k30, k29, c); k30 = select<u64>(k29, k30, c); k29 = t }
  { const c = k24 < k28; const t = select<u64>(k28, k24, c); k28 = select<u64>(k24, k28, c); k24 = t }
  { const c = k26 < k30; const t = select<u64>(k30, k26, c); k30 = select<u64>(k26, k30, c); k26 = t }
  { const c = k26 < k28; const t = select<u64>(k28, k26, c); k28 = select<u64>(k26, k28, c); k26 = t }
  { const c = k25 < k29; const t = select<u64>(k29, k25, c); k29 = select<u64>(k25, k29, c); k25 = t }
  { const c = k27 < k31; const t = select<u64>(k31, k27, c); k31 = select<u64>(k27, k31, c); k27 = t }
  { const c = k27 < k29; const t = select<u64>(k29, k27, c); k29 = select<u64>(k27, k29, c); k27 = t }
  { const c = k25 < k26; const t = select<u64>(k26, k25, c); k26 = select<u64>(k25, k26, c); k25 = t }
  { const c = k27 < k28; const t = select<u64>(k28, k27, c); k28 = select<u64>(k27, k28, c); k27 = t }
  { const c = k29 < k30; const t = select<u64>(k30, k29, c); k30 = select<u64>(k29, k30, c); k29 = t }
  { const c = k16 < k24; const t = select<u64>(k24, k16, c); k24 = select<u64>(k16, k24, c); k16 = t }
  { const c = k20 < k28; const t = select<u64>(k28, k20, c); k28 = select<u64>(k20, k28, c); k20 = t }
  { const c = k20 < k24; const t = select<u64>(k24, k20, c); k24 = select<u64>(k20, k24, c); k20 = t }
  { const c = k18 < k26; const t = select<u64>(k26, k18, c); k26 = select<u64>(k18, k26, c); k18 = t }
  { const c = k22 < k30; const t = select<u64>(k30, k22, c); k30 = select<u64>(k22, k30, c); k22 = t }
  { const c = k22 < k26; const t = select<u64>(k26, k22, c); k26 = select<u64>(k22, k26, c); k22 = t }
  { const c = k18 < k20; const t = select<u64>(k20, k18, c); k20 = select<u64>(k18, k20, c); k18 = t }
  { const c = k22 < k24; const t = select<u64>(k24, k22, c); k24 = select<u64>(k22, k24, c); k22 = t }
  { const c = k26 < k28; const t = select<u64>(k28, k26, c); k28 = select<u64>(k26, k28, c); k26 = t }
  { const c = k17 < k25; const t = select<u64>(k25, k17, c); k25 = select<u64>(k17, k25, c); k17 = t }
  { const c = k21 < k29; const t = select<u64>(k29, k21, c); k29 = select<u64>(k21, k29, c); k21 = t }
  { const c = k21 < k25; const t = select<u64>(k25, k21, c); k25 = select<u64>(k21, k25, c); k21 = t }
  { const c = k19 < k27; const t = select<u64>(k27, k19, c); k27 = select<u64>(k19, k27, c); k19 = t }
  { const c = k23 < k31; const t = select<u64>(k31, k23, c); k31 = select<u64>(k23, k31, c); k23 = t }
  { const c = k23 < k27; const t = select<u64>(k27, k23, c); k27 = select<u64>(k23, k27, c); k23 = t }
  { const c = k19 < k21; const t = select<u64>(k21, k19, c); k21 = select<u64>(k19, k21, c); k19 = t }
  { const c = k23 < k25; const t = select<u64>(k25, k23, c); k25 = select<u64>(k23, k25, c); k23 = t }
  { const c = k27 < k29; const t = select<u64>(k29, k27, c); k29 = select<u64>(k27, k29, c); k27 = t }
  { const c = k17 < k18; const t = select<u64>(k18, k17, c); k18 = select<u64>(k17, k18, c); k17 = t }
  { const c = k19 < k20; const t = select<u64>(k20, k19, c); k20 = select<u64>(k19, k20, c); k19 = t }
  { const c = k21 < k22; const t = select<u64>(k22, k21, c); k22 = select<u64>(k21, k22, c); k21 = t }
  { const c = k23 < k24; const t = select<u64>(k24, k23, c); k24 = select<u64>(k23, k24, c); k23 = t }
  { const c = k25 < k26; const t = select<u64>(k26, k25, c); k26 = select<u64>(k25, k26, c); k25 = t }
  { const c = k27 < k28; const t = select<u64>(k28, k27, c); k28 = select<u64>(k27, k28, c); k27 = t }
  { const c = k29 < k30; const t = select<u64>(k30, k29, c); k30 = select<u64>(k29, k30, c); k29 = t }
  { const c = k0 < k16; const t = select<u64>(k16, k0, c); k16 = select<u64>(k0, k16, c); k0 = t }
  { const c = k8 < k24; const t = select<u64>(k24, k8, c); k24 = select<u64>(k8, k24, c); k8 = t }
  { const c = k8 < k16; const t = select<u64>(k16, k8, c); k16 = select<u64>(k8, k16, c); k8 = t }
  { const c = k4 < k20; const t = select<u64>(k20, k4, c); k20 = select<u64>(k4, k20, c); k4 = t }
  { const c = k12 < k28; const t = select<u64>(k28, k12, c); k28 = select<u64>(k12, k28, c); k12 = t }
  { const c = k12 < k20; const t = select<u64>(k20, k12, c); k20 = select<u64>(k12, k20, c); k12 = t }
  { const c = k4 < k8; const t = select<u64>(k8, k4, c); k8 = select<u64>(k4, k8, c); k4 = t }
  { const c = k12 < k16; const t = select<u64>(k16, k12, c); k16 = select<u64>(k12, k16, c); k12 = t }
  { const c = k20 < k24; const t = select<u64>(k24, k20, c); k24 = select<u64>(k20, k24, c); k20 = t }
  { const c = k2 < k18; const t = select<u64>(k18, k2, c); k18 = select<u64>(k2, k18, c); k2 = t }
  { const c = k10 < k26; const t = select<u64>(k26, k10, c); k26 = select<u64>(k10, k26, c); k10 = t }
  { const c = k10 < k18; const t = select<u64>(k18, k10, c); k18 = select<u64>(k10, k18, c); k10 = t }
  { const c = k6 < k22; const t = select<u64>(k22, k6, c); k22 = select<u64>(k6, k22, c); k6 = t }
  { const c = k14 < k30; const t = select<u64>(k30, k14, c); k30 = select<u64>(k14, k30, c); k14 = t }
  { const c = k14 < k22; const t = select<u64>(k22, k14, c); k22 = select<u64>(k14, k22, c); k14 = t }
  { const c = k6 < k10; const t = select<u64>(k10, k6, c); k10 = select<u64>(k6, k10, c); k6 = t }
  { const c = k14 < k18; const t = select<u64>(k18, k14, c); k18 = select<u64>(k14, k18, c); k14 = t }
  { const c = k22 < k26; const t = select<u64>(k26, k22, c); k26 = select<u64>(k22, k26, c); k22 = t }
  { const c = k2 < k4; const t = select<u64>(k4, k2, c); k4 = select<u64>(k2, k4, c); k2 = t }
  { const c = k6 < k8; const t = select<u64>(k8, k6, c); k8 = select<u64>(k6, k8, c); k6 = t }
  { const c = k10 < k12; const t = select<u64>(k12, k10, c); k12 = select<u64>(k10, k12, c); k10 = t }
  { const c = k14 < k16; const t = select<u64>(k16, k14, c); k16 = select<u64>(k14, k16, c); k14 = t }
  { const c = k18 < k20; const t = select<u64>(k20, k18, c); k20 = select<u64>(k18, k20, c); k18 = t }
  { const c = k22 < k24; const t = select<u64>(k24, k22, c); k24 = select<u64>(k22, k24, c); k22 = t }
  { const c = k26 < k28; const t = select<u64>(k28, k26, c); k28 = select<u64>(k26, k28, c); k26 = t }
  { const c = k1 < k17; const t = select<u64>(k17, k1, c); k17 = select<u64>(k1, k17, c); k1 = t }
  { const c = k9 < k25; const t = select<u64>(k25, k9, c); k25 = select<u64>(k9, k25, c); k9 = t }
  { const c = k9 < k17; const t = select<u64>(k17, k9, c); k17 = select<u64>(k9, k17, c); k9 = t }
  { const c = k5 < k21; const t = select<u64>(k21, k5, c); k21 = select<u64>(k5, k21, c); k5 = t }
  { const c = k13 < k29; const t = select<u64>(k29, k13, c); k29 = select<u64>(k13, k29, c); k13 = t }
  { const c = k13 < k21; const t = select<u64>(k21, k13, c); k21 = select<u64>(k13, k21, c); k13 = t }
  { const c = k5 < k9; const t = select<u64>(k9, k5, c); k9 = select<u64>(k5, k9, c); k5 = t }
  { const c = k13 < k17; const t = select<u64>(k17, k13, c); k17 = select<u64>(k13, k17, c); k13 = t }
  { const c = k21 < k25; const t = select<u64>(k25, k21, c); k25 = select<u64>(k21, k25, c); k21 = t }
  { const c = k3 < k19; const t = select<u64>(k19, k3, c); k19 = select<u64>(k3, k19, c); k3 = t }
  { const c = k11 < k27; const t = select<u64>(k27, k11, c); k27 = select<u64>(k11, k27, c); k11 = t }
  { const c = k11 < k19; const t = select<u64>(k19, k11, c); k19 = select<u64>(k11, k19, c); k11 = t }
  { const c = k7 < k23; const t = select<u64>(k23, k7, c); k23 = select<u64>(k7, k23, c); k7 = t }
  { const c = k15 < k31; const t = select<u64>(k31, k15, c); k31 = select<u64>(k15, k31, c); k15 = t }
  { const c = k15 < k23; const t = select<u64>(k23, k15, c); k23 = select<u64>(k15, k23, c); k15 = t }
  { const c = k7 < k11; const t = select<u64>(k11, k7, c); k11 = select<u64>(k7, k11, c); k7 = t }
  { const c = k15 < k19; const t = select<u64>(k19, k15, c); k19 = select<u64>(k15, k19, c); k15 = t }
  { const c = k23 < k27; const t = select<u64>(k27, k23, c); k27 = select<u64>(k23, k27, c); k23 = t }
  { const c = k3 < k5; const t = select<u64>(k5, k3, c); k5 = select<u64>(k3, k5, c); k3 = t }
  { const c = k7 < k9; const t = select<u64>(k9, k7, c); k9 = select<u64>(k7, k9, c); k7 = t }
  { const c = k11 < k13; const t = select<u64>(k13, k11, c); k13 = select<u64>(k11, k13, c); k11 = t }
  { const c = k15 < k17; const t = select<u64>(k17, k15, c); k17 = select<u64>(k15, k17, c); k15 = t }
  { const c = k19 < k21; const t = select<u64>(k21, k19, c); k21 = select<u64>(k19, k21, c); k19 = t }
  { const c = k23 < k25; const t = select<u64>(k25, k23, c); k25 = select<u64>(k23, k25, c); k23 = t }
  { const c = k27 < k29; const t = select<u64>(k29, k27, c); k29 = select<u64>(k27, k29, c); k27 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k3 < k4; const t = select<u64>(k4, k3, c); k4 = select<u64>(k3, k4, c); k3 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k7 < k8; const t = select<u64>(k8, k7, c); k8 = select<u64>(k7, k8, c); k7 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k11 < k12; const t = select<u64>(k12, k11, c); k12 = select<u64>(k11, k12, c); k11 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  { const c = k15 < k16; const t = select<u64>(k16, k15, c); k16 = select<u64>(k15, k16, c); k15 = t }
  { const c = k17 < k18; const t = select<u64>(k18, k17, c); k18 = select<u64>(k17, k18, c); k17 = t }
  { const c = k19 < k20; const t = select<u64>(k20, k19, c); k20 = select<u64>(k19, k20, c); k19 = t }
  { const c = k21 < k22; const t = select<u64>(k22, k21, c); k22 = select<u64>(k21, k22, c); k21 = t }
  { const c = k23 < k24; const t = select<u64>(k24, k23, c); k24 = select<u64>(k23, k24, c); k23 = t }
  { const c = k25 < k26; const t = select<u64>(k26, k25, c); k26 = select<u64>(k25, k26, c); k25 = t }
  { const c = k27 < k28; const t = select<u64>(k28, k27, c); k28 = select<u64>(k27, k28, c); k27 = t }
  { const c = k29 < k30; const t = select<u64>(k30, k29, c); k30 = select<u64>(k29, k30, c); k29 = t }
  store<u64>(keys, k0, 0)
  store<u64>(keys, k1, 8)
  store<u64>(keys, k2, 16)
  store<u64>(keys, k3, 24)
  store<u64>(keys, k4, 32)
  store<u64>(keys, k5, 40)
  store<u64>(keys, k6, 48)
  store<u64>(keys, k7, 56)
  store<u64>(keys, k8, 64)
  store<u64>(keys, k9, 72)
  store<u64>(keys, k10, 80)
  store<u64>(keys, k11, 88)
  store<u64>(keys, k12, 96)
  store<u64>(keys, k13, 104)
  store<u64>(keys, k14, 112)
  store<u64>(keys, k15, 120)
  store<u64>(keys, k16, 128)
  store<u64>(keys, k17, 136)
  store<u64>(keys, k18, 144)
  store<u64>(keys, k19, 152)
  store<u64>(keys, k20, 160)
  store<u64>(keys, k21, 168)
  store<u64>(keys, k22, 176)
  store<u64>(keys, k23, 184)
  store<u64>(keys, k24, 192)
  store<u64>(keys, k25, 200)
  store<u64>(keys, k26, 208)
  store<u64>(keys, k27, 216)
  store<u64>(keys, k28, 224)
  store<u64>(keys, k29, 232)
  store<u64>(keys, k30, 240)
  store<u64>(keys, k31, 248)
}

/** Sorts 16 keys at `keys` in descending unsigned order (odd–even merge network, 63 comparators). */
// @ts-expect-error AssemblyScript decorator
@inline
export function sort16Descending(keys: usize): void {
  let k0 = load<u64>(keys, 0)
  let k1 = load<u64>(keys, 8)
  let k2 = load<u64>(keys, 16)
  let k3 = load<u64>(keys, 24)
  let k4 = load<u64>(keys, 32)
  let k5 = load<u64>(keys, 40)
  let k6 = load<u64>(keys, 48)
  let k7 = load<u64>(keys, 56)
  let k8 = load<u64>(keys, 64)
  let k9 = load<u64>(keys, 72)
  let k10 = load<u64>(keys, 80)
  let k11 = load<u64>(keys, 88)
  let k12 = load<u64>(keys, 96)
  let k13 = load<u64>(keys, 104)
  let k14 = load<u64>(keys, 112)
  let k15 = load<u64>(keys, 120)
{ const c = k0 < k1; const t = select<u64>(k1, k0, c); k1 = select<u64>(k0, k1, c); k0 = t }
  { const c = k2 < k3; const t = select<u64>(k3, k2, c); k3 = select<u64>(k2, k3, c); k2 = t }
  { const c = k0 < k2; const t = select<u64>(k2, k0, c); k2 = select<u64>(k0, k2, c); k0 = t }
  { const c = k1 < k3; const t = select<u64>(k3, k1, c); k3 = select<u64>(k1, k3, c); k1 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k4 < k5; const t = select<u64>(k5, k4, c); k5 = select<u64>(k4, k5, c); k4 = t }
  { const c = k6 < k7; const t = select<u64>(k7, k6, c); k7 = select<u64>(k6, k7, c); k6 = t }
  { const c = k4 < k6; const t = select<u64>(k6, k4, c); k6 = select<u64>(k4, k6, c); k4 = t }
  { const c = k5 < k7; const t = select<u64>(k7, k5, c); k7 = select<u64>(k5, k7, c); k5 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k0 < k4; const t = select<u64>(k4, k0, c); k4 = select<u64>(k0, k4, c); k0 = t }
  { const c = k2 < k6; const t = select<u64>(k6, k2, c); k6 = select<u64>(k2, k6, c); k2 = t }
  { const c = k2 < k4; const t = select<u64>(k4, k2, c); k4 = select<u64>(k2, k4, c); k2 = t }
  { const c = k1 < k5; const t = select<u64>(k5, k1, c); k5 = select<u64>(k1, k5, c); k1 = t }
  { const c = k3 < k7; const t = select<u64>(k7, k3, c); k7 = select<u64>(k3, k7, c); k3 = t }
  { const c = k3 < k5; const t = select<u64>(k5, k3, c); k5 = select<u64>(k3, k5, c); k3 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k3 < k4; const t = select<u64>(k4, k3, c); k4 = select<u64>(k3, k4, c); k3 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k8 < k9; const t = select<u64>(k9, k8, c); k9 = select<u64>(k8, k9, c); k8 = t }
  { const c = k10 < k11; const t = select<u64>(k11, k10, c); k11 = select<u64>(k10, k11, c); k10 = t }
  { const c = k8 < k10; const t = select<u64>(k10, k8, c); k10 = select<u64>(k8, k10, c); k8 = t }
  { const c = k9 < k11; const t = select<u64>(k11, k9, c); k11 = select<u64>(k9, k11, c); k9 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k12 < k13; const t = select<u64>(k13, k12, c); k13 = select<u64>(k12, k13, c); k12 = t }
  { const c = k14 < k15; const t = select<u64>(k15, k14, c); k15 = select<u64>(k14, k15, c); k14 = t }
  { const c = k12 < k14; const t = select<u64>(k14, k12, c); k14 = select<u64>(k12, k14, c); k12 = t }
  { const c = k13 < k15; const t = select<u64>(k15, k13, c); k15 = select<u64>(k13, k15, c); k13 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  { const c = k8 < k12; const t = select<u64>(k12, k8, c); k12 = select<u64>(k8, k12, c); k8 = t }
  { const c = k10 < k14; const t = select<u64>(k14, k10, c); k14 = select<u64>(k10, k14, c); k10 = t }
  { const c = k10 < k12; const t = select<u64>(k12, k10, c); k12 = select<u64>(k10, k12, c); k10 = t }
  { const c = k9 < k13; const t = select<u64>(k13, k9, c); k13 = select<u64>(k9, k13, c); k9 = t }
  { const c = k11 < k15; const t = select<u64>(k15, k11, c); k15 = select<u64>(k11, k15, c); k11 = t }
  { const c = k11 < k13; const t = select<u64>(k13, k11, c); k13 = select<u64>(k11, k13, c); k11 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k11 < k12; const t = select<u64>(k12, k11, c); k12 = select<u64>(k11, k12, c); k11 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  { const c = k0 < k8; const t = select<u64>(k8, k0, c); k8 = select<u64>(k0, k8, c); k0 = t }
  { const c = k4 < k12; const t = select<u64>(k12, k4, c); k12 = select<u64>(k4, k12, c); k4 = t }
  { const c = k4 < k8; const t = select<u64>(k8, k4, c); k8 = select<u64>(k4, k8, c); k4 = t }
  { const c = k2 < k10; const t = select<u64>(k10, k2, c); k10 = select<u64>(k2, k10, c); k2 = t }
  { const c = k6 < k14; const t = select<u64>(k14, k6, c); k14 = select<u64>(k6, k14, c); k6 = t }
  { const c = k6 < k10; const t = select<u64>(k10, k6, c); k10 = select<u64>(k6, k10, c); k6 = t }
  { const c = k2 < k4; const t = select<u64>(k4, k2, c); k4 = select<u64>(k2, k4, c); k2 = t }
  { const c = k6 < k8; const t = select<u64>(k8, k6, c); k8 = select<u64>(k6, k8, c); k6 = t }
  { const c = k10 < k12; const t = select<u64>(k12, k10, c); k12 = select<u64>(k10, k12, c); k10 = t }
  { const c = k1 < k9; const t = select<u64>(k9, k1, c); k9 = select<u64>(k1, k9, c); k1 = t }
  { const c = k5 < k13; const t = select<u64>(k13, k5, c); k13 = select<u64>(k5, k13, c); k5 = t }
  { const c = k5 < k9; const t = select<u64>(k9, k5, c); k9 = select<u64>(k5, k9, c); k5 = t }
  { const c = k3 < k11; const t = select<u64>(k11, k3, c); k11 = select<u64>(k3, k11, c); k3 = t }
  { const c = k7 < k15; const t = select<u64>(k15, k7, c); k15 = select<u64>(k7, k15, c); k7 = t }
  { const c = k7 < k11; const t = select<u64>(k11, k7, c); k11 = select<u64>(k7, k11, c); k7 = t }
  { const c = k3 < k5; const t = select<u64>(k5, k3, c); k5 = select<u64>(k3, k5, c); k3 = t }
  { const c = k7 < k9; const t = select<u64>(k9, k7, c); k9 = select<u64>(k7, k9, c); k7 = t }
  { const c = k11 < k13; const t = select<u64>(k13, k11, c); k13 = select<u64>(k11, k13, c); k11 = t }
  { const c = k1 < k2; const t = select<u64>(k2, k1, c); k2 = select<u64>(k1, k2, c); k1 = t }
  { const c = k3 < k4; const t = select<u64>(k4, k3, c); k4 = select<u64>(k3, k4, c); k3 = t }
  { const c = k5 < k6; const t = select<u64>(k6, k5, c); k6 = select<u64>(k5, k6, c); k5 = t }
  { const c = k7 < k8; const t = select<u64>(k8, k7, c); k8 = select<u64>(k7, k8, c); k7 = t }
  { const c = k9 < k10; const t = select<u64>(k10, k9, c); k10 = select<u64>(k9, k10, c); k9 = t }
  { const c = k11 < k12; const t = select<u64>(k12, k11, c); k12 = select<u64>(k11, k12, c); k11 = t }
  { const c = k13 < k14; const t = select<u64>(k14, k13, c); k14 = select<u64>(k13, k14, c); k13 = t }
  store<u64>(keys, k0, 0)
  store<u64>(keys, k1, 8)
  store<u64>(keys, k2, 16)
  store<u64>(keys, k3, 24)
  store<u64>(keys, k4, 32)
  store<u64>(keys, k5, 40)
  store<u64>(keys, k6, 48)
  store<u64>(keys, k7, 56)
  store<u64>(keys, k8, 64)
  store<u64>(keys, k9, 72)
  store<u64>(keys, k10, 80)
  store<u64>(keys, k11, 88)
  store<u64>(keys, k12, 96)
  store<u64>(keys, k13, 104)
  store<u64>(keys, k14, 112)
  store<u64>(keys, k15, 120)
}
