import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, bench, describe } from 'vitest'
import { createPrng } from '@routesim/core'
import { encodeTrace, idsTrace, readNpy, readSafetensors, readTrace, writeNpy, writeSafetensors, type TraceFormat } from '../src/index.ts'
import { ndarray } from '../src/nd-array.ts'

// Read/write speed of trace files, end to end through the file system (page cache), as numpy's
// np.save/np.load do. Sizes: ROUTESIM_IO_BENCH_TOKENS tokens × top-8 (default 4Mi tokens: 128 MiB of
// int32 ids, and as much float32 weights in .safetensors). Run with `node bench/run-io-bench.mjs`,
// which converts to GB/s and times numpy/safetensors/torch on the same sizes in the same run.
const T = Number(process.env['ROUTESIM_IO_BENCH_TOKENS'] ?? 1 << 22)
const K = 8
const E = 256
const prng = createPrng(0, 'io-bench')
const ids = Int32Array.from({ length: T * K }, () => prng.nextInt(E))
const weights = Float32Array.from({ length: T * K }, () => prng.nextFloat())
const trace = idsTrace({ ids, weights, tokens: T, topK: K, numExperts: E })
const dir = mkdtempSync(join(tmpdir(), 'routesim-io-bench-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const npyPath = join(dir, 'ids.npy')
const stPath = join(dir, 'trace.safetensors')
writeFileSync(npyPath, writeNpy(ndarray(ids, [T, K])))
writeFileSync(stPath, writeSafetensors({ topk_ids: ndarray(ids, [T, K]), topk_weights: ndarray(weights, [T, K]) }))

/** What `routesim … --out` does: the encoded chunks (views of the arrays) written one after another. */
function writeTraceFile(path: string, format: TraceFormat): void {
  const fd = openSync(path, 'w')
  try {
    for (const chunk of encodeTrace(trace, format)) for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at)
  } finally {
    closeSync(fd)
  }
}

// Bench names carry the bytes moved per call ("[N bytes]"), which the runner divides by the time.
const npyBytes = T * K * 4
const stBytes = 2 * T * K * 4
const opts = { time: 2000, warmupIterations: 2 }

describe(`trace files, ${T} tokens × top-${K}`, () => {
  bench(`npy write: encodeTrace, chunks to the file [${npyBytes} bytes]`, () => writeTraceFile(join(dir, 'w.npy'), 'npy'), opts)
  bench(`npy write: writeNpy + writeFileSync (one buffer) [${npyBytes} bytes]`, () => writeFileSync(join(dir, 'w1.npy'), writeNpy(ndarray(ids, [T, K]))), opts)
  bench(`npy read: readFileSync + readNpy [${npyBytes} bytes]`, () => void readNpy(readFileSync(npyPath)), opts)
  bench(`npy read as a validated trace: readTrace [${npyBytes} bytes]`, () => void readTrace(readFileSync(npyPath), 'ids.npy', { experts: E }), opts)
  bench(`safetensors write: encodeTrace, chunks to the file [${stBytes} bytes]`, () => writeTraceFile(join(dir, 'w.safetensors'), 'safetensors'), opts)
  bench(`safetensors read: readFileSync + readSafetensors [${stBytes} bytes]`, () => void readSafetensors(readFileSync(stPath)), opts)
  bench(
    `safetensors read as a validated trace: readTrace [${stBytes} bytes]`,
    () => void readTrace(readFileSync(stPath), 'trace.safetensors', { experts: E }),
    opts,
  )
})
