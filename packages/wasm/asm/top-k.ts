// AssemblyScript source of the WebAssembly SIMD kernels (compiled by scripts/build-kernels.mjs into
// src/kernel-module.ts). Memory is managed by the host: it copies a chunk of rows in at
// `scratchBase()` and reads the outputs back, so the kernels allocate nothing.

/** First byte the host may use: past the module's static data, 16-byte aligned. */
export function scratchBase(): usize {
  return (__heap_base + 15) & ~(<usize>15)
}


/**
 * Top-k of every row of row-major f32 values, selected on the raw values (softmax and sigmoid are
 * strictly increasing, so the winners and their ties are the same): ties to the lower id, each row by
 * descending value. Writes ids and the winners' values `[rows, k]`; `candPtr` is scratch for cols + 4
 * ids. Returns -1, or the first row that holds a NaN or ±Inf (it and later rows are not written).
 *
 * The result is the reference's exactly, found with few branches:
 * 1. finiteness, and a lower bound t of the row's k-th largest value: the smallest of the maxima of
 *    4·⌈k/4⌉ disjoint groups (lane j of block b), each of which holds a value at least that large;
 * 2. the ids of the values ≥ t, compacted four lanes at a time, in id order;
 * 3. up to 16 candidates (the usual case) sorted by one branch-free network on keys that order by value,
 *    then by lower id; more go through the reference's sorted insertion.
 */
export function topKRows(inPtr: usize, rows: i32, cols: i32, k: i32, idsPtr: usize, valsPtr: usize, candPtr: usize): i32 {
  const nvec = cols >> 2
  const blocks = (k + 3) >> 2
  const bounded = nvec >= blocks
  const inf = f32x4.splat(Infinity)
  const keys = candPtr + ((<usize>cols + 4) << 2)
  for (let r = 0; r < rows; r++) {
    const row = inPtr + ((<usize>r * <usize>cols) << 2)
    let finite = i32x4.splat(-1)
    let bound = f32x4.splat(Infinity)
    let start = 0
    for (let b = 0; b < blocks; b++) {
      const end = bounded ? (nvec * (b + 1)) / blocks : nvec
      let m = f32x4.splat(-Infinity)
      for (let vi = start; vi < end; vi++) {
        const v = v128.load(row + (<usize>vi << 4))
        finite = v128.and(finite, f32x4.lt(f32x4.abs(v), inf))
        m = f32x4.pmax(m, v)
      }
      bound = f32x4.pmin(bound, m)
      start = end
      if (!bounded) break
    }
    if (!v128.all_true<i32>(finite)) return r
    for (let j = nvec << 2; j < cols; j++) {
      if (!(Mathf.abs(load<f32>(row + (<usize>j << 2))) < Infinity)) return r
    }
    let t: f32 = -Infinity
    if (bounded) {
      t = Mathf.min(
        Mathf.min(f32x4.extract_lane(bound, 0), f32x4.extract_lane(bound, 1)),
        Mathf.min(f32x4.extract_lane(bound, 2), f32x4.extract_lane(bound, 3)),
      )
    }

    // 2. Candidate ids in id order: a 64-bit mask per 16 vectors, then its set bits.
    const cut = f32x4.splat(t)
    let n = 0
    for (let v0 = 0; v0 < nvec; v0 += 16) {
      const v1 = min(v0 + 16, nvec)
      let mask: u64 = 0
      let vi = v0
      for (; vi + 4 <= v1; vi += 4) {
        const at = row + (<usize>vi << 4)
        const m =
          i32x4.bitmask(f32x4.ge(v128.load(at), cut)) |
          (i32x4.bitmask(f32x4.ge(v128.load(at, 16), cut)) << 4) |
          (i32x4.bitmask(f32x4.ge(v128.load(at, 32), cut)) << 8) |
          (i32x4.bitmask(f32x4.ge(v128.load(at, 48), cut)) << 12)
        mask |= <u64>m << (<u64>(vi - v0) << 2)
      }
      for (; vi < v1; vi++) {
        mask |= <u64>i32x4.bitmask(f32x4.ge(v128.load(row + (<usize>vi << 4)), cut)) << (<u64>(vi - v0) << 2)
      }
      while (mask != 0) {
        store<i32>(candPtr + (<usize>n << 2), (v0 << 2) + <i32>ctz(mask))
        mask &= mask - 1
        n++
      }
    }
    for (let j = nvec << 2; j < cols; j++) {
      store<i32>(candPtr + (<usize>n << 2), j)
      n += i32(load<f32>(row + (<usize>j << 2)) >= t)
    }

    const outI = idsPtr + ((<usize>r * <usize>k) << 2)
    const outV = valsPtr + ((<usize>r * <usize>k) << 2)
    if (n <= 16 && k <= 16) {
      for (let c = 0; c < 16; c++) store<u64>(keys + (<usize>c << 3), c < n ? sortKey(row, load<i32>(candPtr + (<usize>c << 2))) : 0)
      let k0 = load<u64>(keys, 0), k1 = load<u64>(keys, 8), k2 = load<u64>(keys, 16), k3 = load<u64>(keys, 24)
      let k4 = load<u64>(keys, 32), k5 = load<u64>(keys, 40), k6 = load<u64>(keys, 48), k7 = load<u64>(keys, 56)
      let k8 = load<u64>(keys, 64), k9 = load<u64>(keys, 72), k10 = load<u64>(keys, 80), k11 = load<u64>(keys, 88)
      let k12 = load<u64>(keys, 96), k13 = load<u64>(keys, 104), k14 = load<u64>(keys, 112), k15 = load<u64>(keys, 120)
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
      store<u64>(keys, k0, 0); store<u64>(keys, k1, 8); store<u64>(keys, k2, 16); store<u64>(keys, k3, 24)
      store<u64>(keys, k4, 32); store<u64>(keys, k5, 40); store<u64>(keys, k6, 48); store<u64>(keys, k7, 56)
      store<u64>(keys, k8, 64); store<u64>(keys, k9, 72); store<u64>(keys, k10, 80); store<u64>(keys, k11, 88)
      store<u64>(keys, k12, 96); store<u64>(keys, k13, 104); store<u64>(keys, k14, 112); store<u64>(keys, k15, 120)
      for (let i = 0; i < k; i++) {
        const id = <i32>(0xffffffff - <u32>load<u64>(keys + (<usize>i << 3)))
        store<i32>(outI + (<usize>i << 2), id)
        store<f32>(outV + (<usize>i << 2), load<f32>(row + (<usize>id << 2)))
      }
      continue
    }
    // Many candidates (ties, large k): the reference's insertion, in id order.
    let filled = 0
    let kth: f32 = t
    for (let c = 0; c < n; c++) {
      const j = load<i32>(candPtr + (<usize>c << 2))
      const x = load<f32>(row + (<usize>j << 2))
      if (filled == k ? !(x > kth) : !(x >= kth)) continue
      filled = insert(outI, outV, filled, k, x, j)
      if (filled == k) kth = load<f32>(outV + (<usize>(k - 1) << 2))
    }
  }
  return -1
}

/**
 * A key whose unsigned order is (value, then lower id): the f32's bits made monotone (−0 counted as +0,
 * as comparisons do) above the complemented id.
 */
// @ts-expect-error AssemblyScript decorator
@inline
function sortKey(row: usize, id: i32): u64 {
  const bits = reinterpret<i32>(load<f32>(row + (<usize>id << 2)) + 0.0)
  const mono = <u32>(bits ^ ((bits >> 31) | 0x80000000))
  return (<u64>mono << 32) | <u64>(0xffffffff - <u32>id)
}

/** Sorted insertion of (x, id) into a row's k slots, after any equal value (lower ids stay first). */
// @ts-expect-error AssemblyScript decorator
@inline
function insert(outI: usize, outV: usize, filled: i32, k: i32, x: f32, id: i32): i32 {
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
