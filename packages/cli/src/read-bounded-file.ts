import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { InvalidArgumentError, LIMITS, LimitExceededError } from '@routesim/core'

/**
 * Reads a text file named by `flag`, at most `LIMITS.maxFileBytes`: a bigger file, or an endless one
 * (`/dev/zero`, a FIFO), is a `LimitExceededError` after reading one byte past the limit, never an
 * out-of-memory crash. An unreadable path is an `InvalidArgumentError` naming the flag.
 */
export function readBoundedTextFile(flag: string, path: string, maxBytes: number = LIMITS.maxFileBytes): string {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `a readable JSON file (${(error as Error).message})` })
  }
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) throw new InvalidArgumentError({ parameter: flag, value: path, allowed: 'a readable JSON file, not a directory' })
    if (stat.isFile() && stat.size > maxBytes) {
      throw new LimitExceededError({
        parameter: flag,
        value: path,
        limit: maxBytes,
        limitName: 'file size (bytes)',
        detail: `The file has ${stat.size} bytes.`,
      })
    }
    const buffer = Buffer.allocUnsafe(maxBytes + 1)
    let length = 0
    for (;;) {
      let read: number
      try {
        read = readSync(fd, buffer, length, buffer.length - length, null)
      } catch (error) {
        throw new InvalidArgumentError({ parameter: flag, value: path, allowed: `a readable JSON file (${(error as Error).message})` })
      }
      if (read === 0) break
      length += read
      if (length > maxBytes) {
        throw new LimitExceededError({
          parameter: flag,
          value: path,
          limit: maxBytes,
          limitName: 'file size (bytes)',
          detail: 'It is longer, or never ends (a device or pipe).',
        })
      }
    }
    return buffer.toString('utf8', 0, length)
  } finally {
    closeSync(fd)
  }
}
