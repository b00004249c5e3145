import { ConfigValidationError, RoutesimError, describeValue, type ConfigIssue } from '@routesim/core'

/** Gathers every problem of a configuration so they can be reported together. */
export class IssueCollector {
  readonly issues: ConfigIssue[] = []

  add(path: string, message: string): void {
    this.issues.push({ path, message })
  }

  /** `value` is not what `path` allows. */
  invalid(path: string, value: unknown, allowed: string): void {
    this.add(path, `${describeValue(value)} is not allowed; expected ${allowed}`)
  }

  /** Runs `check`; a routesim error it throws becomes an issue at `path`, anything else propagates. */
  capture<T>(path: string, check: () => T): T | undefined {
    try {
      return check()
    } catch (error) {
      if (RoutesimError.isInstance(error)) {
        this.add(path, (error as Error).message)
        return undefined
      }
      throw error
    }
  }

  throwIfAny(source: string): void {
    if (this.issues.length > 0) throw new ConfigValidationError({ source, issues: this.issues })
  }
}
