// AssemblyScript source of the WebAssembly SIMD kernels (compiled by scripts/build-kernels.mjs into
// src/kernel-module.ts). Memory is managed by the host: it copies a chunk of rows in at
// `scratchBase()` and reads the outputs back, so the kernels allocate nothing.

import { RANK_THRESHOLDS_BYTES, boundBlocks, collectAtLeast, insert, loadSortKeys, rankThresholds, sort16Descending } from './select'

/**
 * Scratch the plain kernel needs at `candPtr`: candidate ids (cols + 4, for the 4-lane tail), 16 sort keys,
 * rankThresholds' bytes. The host sizes module memory by it, so the layout is stated only here.
 */
export function topKScratchBytes(cols: i32): usize {
  return topKKeysAt(0, cols) + 16 * 8 + RANK_THRESHOLDS_BYTES
}

// @ts-expect-error AssemblyScript decorator
@inline
function topKKeysAt(candPtr: usize, cols: i32): usize {
  return candPtr + ((<usize>cols + 4) << 2)
}

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
 * 1. finiteness, and a lower bound t of the row's k-th largest value: the k-th largest of the maxima of
 *    4·blocks disjoint groups (lane j of block b), each of which holds a value at least that large;
 * 2. the ids of the values ≥ t, compacted four lanes at a time, in id order;
 * 3. up to 16 candidates (the usual case) sorted by one branch-free network on keys that order by value,
 *    then by lower id; more go through the reference's sorted insertion.
 */
export function topKRows(inPtr: usize, rows: i32, cols: i32, k: i32, idsPtr: usize, valsPtr: usize, candPtr: usize): i32 {
  const nvec = cols >> 2
  const blocks = boundBlocks(nvec, k)
  const inf = f32x4.splat(Infinity)
  const keys = topKKeysAt(candPtr, cols)
  const thresholds = keys + 16 * 8
  for (let r = 0; r < rows; r++) {
    const row = inPtr + ((<usize>r * <usize>cols) << 2)
    let finite = i32x4.splat(-1)
    let start = 0
    for (let b = 0; b < max(blocks, 1); b++) {
      const end = blocks > 0 ? (nvec * (b + 1)) / blocks : nvec
      let m = f32x4.splat(-Infinity)
      for (let vi = start; vi < end; vi++) {
        const v = v128.load(row + (<usize>vi << 4))
        finite = v128.and(finite, f32x4.lt(f32x4.abs(v), inf))
        m = f32x4.pmax(m, v)
      }
      v128.store(keys + (<usize>b << 4), m) // the maxima, until the keys need the space
      start = end
    }
    if (!v128.all_true<i32>(finite)) return r
    for (let j = nvec << 2; j < cols; j++) {
      if (!(Mathf.abs(load<f32>(row + (<usize>j << 2))) < Infinity)) return r
    }
    let t: f32 = -Infinity
    if (blocks > 0) {
      rankThresholds(keys, blocks, k, thresholds)
      t = load<f32>(thresholds)
    }

    // 2. Candidate ids in id order: a 64-bit mask per 16 vectors, then its set bits.
    let n = collectAtLeast(row, nvec, t, candPtr)
    for (let j = nvec << 2; j < cols; j++) {
      store<i32>(candPtr + (<usize>n << 2), j)
      n += i32(load<f32>(row + (<usize>j << 2)) >= t)
    }

    const outI = idsPtr + ((<usize>r * <usize>k) << 2)
    const outV = valsPtr + ((<usize>r * <usize>k) << 2)
    if (n <= 16 && k <= 16) {
      loadSortKeys(keys, 16, row, candPtr, n)
      sort16Descending(keys)
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
