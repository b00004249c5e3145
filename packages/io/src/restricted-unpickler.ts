import { TraceFormatError } from './trace-format-error.ts'
import { UnsafePickleError } from './unsafe-pickle-error.ts'

/** A global the pickle named, resolved to something this unpickler interprets itself (never code). */
export interface PickleGlobal {
  readonly kind: 'global'
  readonly module: string
  readonly name: string
}

/** A call the pickle asked for (`REDUCE`) on an allowed global, for the caller to interpret. */
export type GlobalCall = (global: PickleGlobal, args: readonly unknown[]) => unknown

export interface UnpickleOptions {
  readonly file: string
  /** `module.name` strings the pickle may name; anything else is an `UnsafePickleError`. */
  readonly allowedGlobals: readonly string[]
  readonly call: GlobalCall
  /** Resolves `BINPERSID` ids (torch: storages). */
  readonly persistentLoad?: (pid: unknown) => unknown
}

/** A Python tuple: a frozen array, so it can be told from a list. */
export type PyTuple = readonly unknown[] & { readonly __tuple__: true }
function tuple(items: unknown[]): PyTuple {
  Object.defineProperty(items, '__tuple__', { value: true })
  return Object.freeze(items) as unknown as PyTuple
}
/**
 * @example
 * isPyTuple(unpickle(bytes, options)) // true for a pickled tuple, false for a list
 */
export function isPyTuple(value: unknown): value is PyTuple {
  return Array.isArray(value) && (value as { __tuple__?: boolean }).__tuple__ === true
}

/** Python dicts become null-prototype records (keys as strings), so `__proto__` keys are inert data. */
function emptyDict(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>
}

/**
 * Interprets a pickle as data only. It understands the opcodes that saving tensors, dicts, lists,
 * tuples, numbers, strings and None uses (protocols 0–5), and hands `REDUCE` on an allow-listed global
 * to `call`. Any other global, and every opcode that would build arbitrary objects (`INST`, `OBJ`,
 * `NEWOBJ`, extension registry), is refused before anything happens.
 *
 * @example
 * unpickle(pickleBytes, { file: 'data.pkl', allowedGlobals: [], call: () => null }) // plain data only; any global is an UnsafePickleError
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const { file } = options
  const fail = (problem: string): never => {
    throw new TraceFormatError({ file, part: 'pickle', problem })
  }
  const allowed = new Set(options.allowedGlobals)
  const stack: unknown[] = []
  const marks: number[] = []
  const memo = new Map<number, unknown>()
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const latin1 = new TextDecoder('latin1')
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  let pos = 0

  const need = (n: number): void => {
    if (pos + n > bytes.length) fail(`truncated: opcode at byte ${pos} needs ${n} more bytes`)
  }
  const u8 = (): number => {
    need(1)
    return bytes[pos++]!
  }
  const u16 = (): number => {
    need(2)
    const v = view.getUint16(pos, true)
    pos += 2
    return v
  }
  const u32 = (): number => {
    need(4)
    const v = view.getUint32(pos, true)
    pos += 4
    return v
  }
  const take = (n: number): Uint8Array => {
    need(n)
    const out = bytes.subarray(pos, pos + n)
    pos += n
    return out
  }
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos)
    if (end < 0) fail('truncated: a text opcode has no end of line')
    const text = latin1.decode(bytes.subarray(pos, end))
    pos = end + 1
    return text
  }
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b)
    } catch {
      return fail('a string is not valid UTF-8')
    }
  }
  const pop = (): unknown => (stack.length === 0 ? fail('stack underflow') : stack.pop())
  const top = (): unknown => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1])
  const popMark = (): unknown[] => {
    const at = marks.pop()
    if (at === undefined) return fail('no MARK to pop to')
    const items = stack.splice(at)
    return items
  }
  const global = (module: string, name: string): PickleGlobal => {
    const full = `${module}.${name}`
    if (!allowed.has(full)) throw new UnsafePickleError({ file, global: full, allowed: [...allowed] })
    return Object.freeze({ kind: 'global', module, name })
  }
  const setItems = (target: unknown, items: unknown[]): void => {
    if (typeof target !== 'object' || target === null || Array.isArray(target) || ArrayBuffer.isView(target)) fail('SETITEM(S) on something that is not a dict')
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items')
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'bigint' && typeof key !== 'boolean' && key !== null)
        fail('a dict key is not a string or number')
      ;(target as Record<string, unknown>)[String(key)] = items[i + 1]
    }
  }
  const listTarget = (): unknown[] => {
    const list = top()
    if (!Array.isArray(list) || isPyTuple(list)) return fail('APPEND on something that is not a list')
    return list as unknown[]
  }
  const int = (raw: string): number | bigint => {
    const t = raw.replace(/L$/, '')
    if (!/^[+-]?\d+$/.test(t)) fail(`${JSON.stringify(raw)} is not an integer`)
    const b = BigInt(t)
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b
  }
  const longBytes = (b: Uint8Array): number | bigint => {
    let v = 0n
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
    if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length)
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
  }

  for (;;) {
    if (pos >= bytes.length) fail('truncated: no STOP opcode')
    const op = bytes[pos++]!
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5')
        break
      case 0x95: // FRAME
        take(8)
        break
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`)
        return stack[0]
      case 0x28: // MARK
        marks.push(stack.length)
        break
      case 0x30: // POP
        if (marks.length > 0 && marks[marks.length - 1] === stack.length) marks.pop()
        else pop()
        break
      case 0x31: // POP_MARK
        popMark()
        break
      case 0x32: // DUP
        stack.push(top())
        break
      case 0x4e: // NONE
        stack.push(null)
        break
      case 0x88: // NEWTRUE
        stack.push(true)
        break
      case 0x89: // NEWFALSE
        stack.push(false)
        break
      case 0x4a: // BININT
        need(4)
        stack.push(view.getInt32(pos, true))
        pos += 4
        break
      case 0x4b: // BININT1
        stack.push(u8())
        break
      case 0x4d: // BININT2
        stack.push(u16())
        break
      case 0x49: {
        // INT (protocol 0; "01"/"00" are True/False)
        const t = line()
        stack.push(t === '01' ? true : t === '00' ? false : int(t))
        break
      }
      case 0x4c: // LONG
        stack.push(int(line()))
        break
      case 0x8a: // LONG1
        stack.push(longBytes(take(u8())))
        break
      case 0x8b: {
        // LONG4
        const n = u32()
        if (n > 1024) fail('LONG4 of more than 1024 bytes')
        stack.push(longBytes(take(n)))
        break
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8)
        stack.push(view.getFloat64(pos, false))
        pos += 8
        break
      case 0x46: {
        // FLOAT
        const t = line()
        const v = Number(t)
        if (t.trim() === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(t.trim()))) fail(`${JSON.stringify(t)} is not a float`)
        stack.push(v)
        break
      }
      case 0x58: // BINUNICODE
        stack.push(text(take(u32())))
        break
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(take(u8())))
        break
      case 0x8d: {
        // BINUNICODE8
        need(8)
        const n = Number(view.getBigUint64(pos, true))
        pos += 8
        stack.push(text(take(n)))
        break
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())))
        break
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(u32())))
        break
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice())
        break
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice())
        break
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]))
        break
      case 0x74: // TUPLE
        stack.push(tuple(popMark()))
        break
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]))
        break
      case 0x86: {
        // TUPLE2
        const b = pop()
        const a = pop()
        stack.push(tuple([a, b]))
        break
      }
      case 0x87: {
        // TUPLE3
        const c = pop()
        const b = pop()
        const a = pop()
        stack.push(tuple([a, b, c]))
        break
      }
      case 0x5d: // EMPTY_LIST
        stack.push([])
        break
      case 0x6c: // LIST
        stack.push(popMark())
        break
      case 0x61: {
        // APPEND
        const v = pop()
        listTarget().push(v)
        break
      }
      case 0x65: {
        // APPENDS
        const items = popMark()
        const list = listTarget()
        for (const item of items) list.push(item)
        break
      }
      case 0x7d: // EMPTY_DICT
        stack.push(emptyDict())
        break
      case 0x64: {
        // DICT
        const d = emptyDict()
        setItems(d, popMark())
        stack.push(d)
        break
      }
      case 0x73: {
        // SETITEM
        const v = pop()
        const k = pop()
        setItems(top(), [k, v])
        break
      }
      case 0x75: {
        // SETITEMS
        const items = popMark()
        setItems(top(), items)
        break
      }
      case 0x70: // PUT
        memo.set(Number(int(line())), top())
        break
      case 0x71: // BINPUT
        memo.set(u8(), top())
        break
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top())
        break
      case 0x94: // MEMOIZE
        memo.set(memo.size, top())
        break
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x67 ? Number(int(line())) : op === 0x68 ? u8() : u32()
        if (!memo.has(key)) fail(`memo key ${key} was never stored`)
        stack.push(memo.get(key))
        break
      }
      case 0x63: {
        // GLOBAL
        const module = line()
        const name = line()
        stack.push(global(module, name))
        break
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop()
        const module = pop()
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL of non-strings')
        stack.push(global(module as string, name as string))
        break
      }
      case 0x52: {
        // REDUCE
        const args = pop()
        const callable = pop() as PickleGlobal | undefined
        if (!isPyTuple(args)) fail('REDUCE arguments are not a tuple')
        if (typeof callable !== 'object' || callable === null || (callable as PickleGlobal).kind !== 'global') fail('REDUCE on something that is not a global')
        stack.push(options.call(callable!, args as PyTuple))
        break
      }
      case 0x62: {
        // BUILD: only state updates of plain dicts (OrderedDict) are data.
        const state = pop()
        const target = top()
        if (typeof target !== 'object' || target === null || Array.isArray(target) || ArrayBuffer.isView(target)) fail('BUILD on something that is not a dict')
        if (state !== null && (typeof state !== 'object' || Array.isArray(state))) fail('BUILD with a state that is not a dict')
        break
      }
      case 0x51: {
        // BINPERSID
        const pid = pop()
        if (!options.persistentLoad) fail('a persistent id where none is expected')
        stack.push(options.persistentLoad!(pid))
        break
      }
      case 0x69: {
        // INST names its class inline: report it by name (it is refused even when allowed as a global).
        const module = line()
        const name = line()
        global(module, name)
        throw new UnsafePickleError({ file, global: `${module}.${name} through INST (builds arbitrary objects)`, allowed: [...allowed] })
      }
      case 0x6f: // OBJ
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
      case 0x50: // PERSID (text)
        throw new UnsafePickleError({ file, global: `opcode 0x${op.toString(16)} (builds arbitrary objects)`, allowed: [...allowed] })
      default:
        fail(`unknown or unsupported opcode 0x${op.toString(16)} at byte ${pos - 1}`)
    }
  }
}
