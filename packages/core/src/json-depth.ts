import { LIMITS } from './limits.ts'
import { LimitExceededError } from './errors/limit-exceeded-error.ts'

/**
 * Refuses parsed JSON nested deeper than `LIMITS.maxJsonDepth`. Iterative (an explicit stack), so a
 * 200k-deep value is measured without recursion; stops at the first level past the limit.
 */
export function checkJsonDepth(parameter: string, value: unknown): void {
  const max = LIMITS.maxJsonDepth
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (typeof node !== 'object' || node === null) continue
    if (depth > max) throw new LimitExceededError({ parameter, value: depth, limit: max, limitName: 'JSON nesting depth' })
    const children = Array.isArray(node) ? node : Object.values(node)
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
}
