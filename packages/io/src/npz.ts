import { unzipSync, zipSync, type Zippable } from 'fflate'
import { InvalidArgumentError } from '@routesim/core'
import type { NdArray } from './nd-array.ts'
import { readNpy, writeNpy } from './npy.ts'
import { TraceFormatError } from './trace-format-error.ts'

/** At most this many entries and uncompressed bytes in one archive: bounds a zip bomb before inflating. */
export const MAX_ZIP_ENTRIES = 4096
export const MAX_ZIP_UNCOMPRESSED_BYTES = 4 * 1024 ** 3

/**
 * @example
 * isZip(readFileSync('routing.npz')) // true
 */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
}

/**
 * The entries of a zip archive. Sizes come from the central directory and are checked against the
 * limits before anything is inflated; a corrupt archive is a `TraceFormatError`.
 */
export function readZip(bytes: Uint8Array, file: string, accept: (name: string) => boolean = () => true): Record<string, Uint8Array> {
  if (!isZip(bytes)) throw new TraceFormatError({ file, part: 'zip', problem: 'does not start with a zip local header (PK\\x03\\x04)' })
  let entries = 0
  let total = 0
  try {
    return unzipSync(bytes, {
      filter: (info) => {
        entries++
        total += info.originalSize
        if (entries > MAX_ZIP_ENTRIES) throw new TraceFormatError({ file, part: 'zip', problem: `more than ${MAX_ZIP_ENTRIES} entries` })
        if (total > MAX_ZIP_UNCOMPRESSED_BYTES)
          throw new TraceFormatError({ file, part: 'zip', problem: `entries inflate to more than ${MAX_ZIP_UNCOMPRESSED_BYTES} bytes` })
        if (info.compression !== 0 && info.compression !== 8)
          throw new TraceFormatError({
            file,
            part: `zip entry ${info.name}`,
            problem: `compression method ${info.compression} (only stored and deflated are supported)`,
          })
        return accept(info.name)
      },
    })
  } catch (cause) {
    if (TraceFormatError.isInstance(cause)) throw cause
    throw new TraceFormatError({ file, part: 'zip', problem: `corrupt archive (${(cause as Error).message})`, cause })
  }
}

/**
 * Reads a `.npz` archive (`numpy.savez` or `savez_compressed`): one array per `.npy` entry, by name.
 *
 * @example
 * const { topk_ids, topk_weights } = readNpz(readFileSync('routing.npz'))
 */
export function readNpz(bytes: Uint8Array, file = '.npz file'): Record<string, NdArray> {
  const entries = readZip(bytes, file, (name) => name.endsWith('.npy'))
  const arrays: Record<string, NdArray> = Object.create(null)
  for (const [name, data] of Object.entries(entries)) arrays[name.slice(0, -4)] = readNpy(data, `${file}:${name}`)
  return arrays
}

/**
 * Writes arrays as a `.npz` archive that `numpy.load` reads; `compress: true` is `savez_compressed`.
 *
 * @example
 * writeFileSync('routing.npz', writeNpz({ topk_ids: ids, topk_weights: weights }, { compress: true }))
 */
export function writeNpz(arrays: Readonly<Record<string, NdArray>>, options: { compress?: boolean } = {}): Uint8Array {
  const files: Zippable = {}
  for (const [name, array] of Object.entries(arrays)) {
    if (name === '' || name.includes('/')) throw new InvalidArgumentError({ parameter: 'arrays', value: name, allowed: 'array names without "/"' })
    files[`${name}.npy`] = writeNpy(array)
  }
  // Fixed timestamps keep the archive byte-identical for the same arrays.
  return zipSync(files, { level: options.compress ? 6 : 0, mtime: new Date(1980, 0, 1, 0, 0, 0) })
}
