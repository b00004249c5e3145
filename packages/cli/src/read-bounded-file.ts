import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { InvalidArgumentError, LIMITS, LimitExceededError } from '@routesim/core'

/**
 * Reads the file named by `flag`, at most `maxBytes`: a bigger file, or an endless one (`/dev/zero`, a
 * FIFO), is a `LimitExceededError` after reading one byte past the limit, never an out-of-memory crash.
 * An unreadable path or a directory is an `InvalidArgumentError` naming the flag; `expected` says what
 * the flag takes (e.g. "a readable trace file"). Errors show `path` as typed; `resolvedPath` is what is opened.
 */
export function readBoundedFile(flag: string, path: string, maxBytes: number, expected: string, resolvedPath = path): Uint8Array {
  let fd: number
  try {
    fd = openSync(resolvedPath, 'r')
  } catch (error) {
    throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `${expected} (${(error as Error).message})` })
  }
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `${expected}, not a directory` })
    if (stat.isFile() && stat.size > maxBytes) {
      throw new LimitExceededError({
        parameter: flag,
        value: path,
        limit: maxBytes,
        limitName: 'file size (bytes)',
        detail: `The file has ${stat.size} bytes.`,
      })
    }
    // Regular files are read into a buffer of their size (not zero-filled first); devices and pipes grow one up to the limit.
    let buffer: Uint8Array = Buffer.allocUnsafeSlow(stat.isFile() ? stat.size : Math.min(maxBytes + 1, 1 << 20))
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) break
        const grown = new Uint8Array(Math.min(maxBytes + 1, buffer.length * 2 + 1))
        grown.set(buffer)
        buffer = grown
      }
      let read: number
      try {
        read = readSync(fd, buffer, length, buffer.length - length, null)
      } catch (error) {
        throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `${expected} (${(error as Error).message})` })
      }
      if (read === 0) break
      length += read
    }
    if (length > maxBytes) {
      throw new LimitExceededError({
        parameter: flag,
        value: path,
        limit: maxBytes,
        limitName: 'file size (bytes)',
        detail: 'It is longer, or never ends (a device or pipe).',
      })
    }
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/** Reads a JSON text file named by `flag` through `readBoundedFile`, at most `LIMITS.maxFileBytes`. */
export function readBoundedTextFile(flag: string, path: string, maxBytes: number = LIMITS.maxFileBytes): string {
  const bytes = readBoundedFile(flag, path, maxBytes, 'a readable JSON file')
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}
