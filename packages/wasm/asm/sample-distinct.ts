// Uniform k-distinct rows for E = 256, k = 8 (the bit-slice law of @routesim/distributions' sampleDistinctSubsets):
// each row takes the next bytes of the random words in memory order, low byte first, and redraws a byte already
// in the row. The host fills the words block by block (the same blocks, from the same stream) and copies the ids
// out, so the ids and the words consumed are those of the JavaScript sampler exactly.

/**
 * Deals rows until all `rows` are done (returns 1) or the block's bytes run out mid-row (returns 0: the host
 * refills the block, sets p = 0 and end, and calls again). State (i32 at statePtr): p = next byte of the block,
 * end = bytes in the block, o = ids written at outPtr, rows, r = rows done, epoch (stamp of the open row),
 * rowEnd = o at which the open row ends (−1: none open). `stampPtr` holds 256 i32 stamps (zero at the start).
 *
 * A row whose next 8 bytes all differ (≈ 90%) is those bytes: the 8 bytes are loaded into both halves of a
 * vector and compared with their rotations by 1, 2 (one compare) and 3, 4 (another), which covers all 28
 * pairs, then widened to i32. Other rows, and rows that start fewer than 8 bytes before the block's end, are
 * dealt byte by byte with the stamp.
 */
export function distinctBytes8(statePtr: usize, wordsPtr: usize, outPtr: usize, stampPtr: usize): i32 {
  let p = load<i32>(statePtr)
  const end = load<i32>(statePtr, 4)
  let o = load<i32>(statePtr, 8)
  const rows = load<i32>(statePtr, 12)
  let r = load<i32>(statePtr, 16)
  let epoch = load<i32>(statePtr, 20)
  let rowEnd = load<i32>(statePtr, 24)
  let done = 0
  while (true) {
    if (rowEnd >= 0) {
      while (o < rowEnd && p < end) {
        const id = <i32>load<u8>(wordsPtr + <usize>p)
        p++
        const at = stampPtr + (<usize>id << 2)
        if (load<i32>(at) == epoch) continue // already in this row: redraw
        store<i32>(at, epoch)
        store<i32>(outPtr + (<usize>o << 2), id)
        o++
      }
      if (o < rowEnd) break // the block is used up mid-row
      rowEnd = -1
      r++
    }
    if (r == rows) {
      done = 1
      break
    }
    if (end - p >= 8) {
      const x = v128.load64_splat(wordsPtr + <usize>p)
      const rot12 = i8x16.shuffle(x, x, 1, 2, 3, 4, 5, 6, 7, 0, 2, 3, 4, 5, 6, 7, 0, 1)
      const rot34 = i8x16.shuffle(x, x, 3, 4, 5, 6, 7, 0, 1, 2, 4, 5, 6, 7, 0, 1, 2, 3)
      if (!v128.any_true(v128.or(i8x16.eq(x, rot12), i8x16.eq(x, rot34)))) {
        const wide = i16x8.extend_low_i8x16_u(x)
        const at = outPtr + (<usize>o << 2)
        v128.store(at, i32x4.extend_low_i16x8_u(wide))
        v128.store(at, i32x4.extend_high_i16x8_u(wide), 16)
        o += 8
        p += 8
        r++
        continue
      }
    }
    if (epoch == 0x7fffffff) {
      memory.fill(stampPtr, 0, 1024)
      epoch = 0
    }
    epoch++
    rowEnd = o + 8
  }
  store<i32>(statePtr, p)
  store<i32>(statePtr, o, 8)
  store<i32>(statePtr, r, 16)
  store<i32>(statePtr, epoch, 20)
  store<i32>(statePtr, rowEnd, 24)
  return done
}
