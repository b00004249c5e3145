import type { EngineInfo, EngineReply, EngineRequest, RouteProgressInfo, RoutedLayer, ScenarioRequest, ScenarioStep, TraceView } from './protocol.ts'
import type { ScenarioSummary } from '@routesim/scenarios'
import type { AppBackend } from './url-state.ts'

type Progress = Extract<EngineReply, { type: 'progress' | 'route-progress' }>
type Pending = { resolve: (reply: EngineReply) => void; reject: (error: Error) => void; onProgress?: (reply: Progress) => void }

/** An error the worker reported (a routesim typed error keeps its `code`). */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly cancelled: boolean,
  ) {
    super(message)
    this.name = 'EngineError'
  }
}

/** The page's handle on the routing worker: every call is a message, every answer a promise. */
export class EngineClient {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #next = 1

  constructor() {
    this.#worker = new Worker(new URL('./routing-worker.ts', import.meta.url), { type: 'module', name: 'routesim-engine' })
    this.#worker.onmessage = (event: MessageEvent<EngineReply>) => {
      const reply = event.data
      const pending = this.#pending.get(reply.id)
      if (!pending) return
      if (reply.type === 'progress' || reply.type === 'route-progress') return pending.onProgress?.(reply)
      this.#pending.delete(reply.id)
      if (reply.type === 'error') pending.reject(new EngineError(reply.message, reply.code, reply.cancelled === true))
      else pending.resolve(reply)
    }
    this.#worker.onerror = (event) => {
      for (const p of this.#pending.values()) p.reject(new EngineError(`the routing worker failed: ${event.message}`, undefined, false))
      this.#pending.clear()
    }
  }

  #send(message: EngineRequest, transfer: Transferable[] = [], onProgress?: (reply: Progress) => void): Promise<EngineReply> {
    return new Promise((resolve, reject) => {
      this.#pending.set(message.id, { resolve, reject, ...(onProgress ? { onProgress } : {}) })
      this.#worker.postMessage(message, transfer)
    })
  }

  #id(): number {
    return this.#next++
  }

  async info(): Promise<EngineInfo> {
    const reply = await this.#send({ type: 'info', id: this.#id() })
    return (reply as Extract<EngineReply, { type: 'info' }>).info
  }

  /** Routes one layer in the worker; `onProgress` hears its phases (large routings take seconds). */
  async route(
    request: Extract<EngineRequest, { type: 'route' }>['request'],
    backend: AppBackend,
    onProgress?: (progress: RouteProgressInfo) => void,
  ): Promise<RoutedLayer> {
    const listen = onProgress && ((r: Progress) => void (r.type === 'route-progress' && onProgress(r.progress)))
    const reply = await this.#send({ type: 'route', id: this.#id(), request, backend }, [], listen)
    return (reply as Extract<EngineReply, { type: 'routed' }>).layer
  }

  /** Starts a scenario; `cancel()` stops it between steps (the promise then rejects with `cancelled`). */
  scenario(scenario: ScenarioRequest, backend: AppBackend, onProgress: (step: ScenarioStep) => void): { done: Promise<ScenarioSummary>; cancel: () => void } {
    const id = this.#id()
    const done = this.#send({ type: 'scenario', id, scenario, backend }, [], (r) => void (r.type === 'progress' && onProgress(r.step))).then(
      (r) => (r as Extract<EngineReply, { type: 'scenario-done' }>).summary,
    )
    return { done, cancel: () => this.#worker.postMessage({ type: 'cancel', id: this.#id(), target: id } satisfies EngineRequest) }
  }

  async trace(name: string, bytes: ArrayBuffer, epSize: number): Promise<TraceView> {
    const reply = await this.#send({ type: 'trace', id: this.#id(), name, bytes, epSize }, [bytes])
    return (reply as Extract<EngineReply, { type: 'trace' }>).trace
  }

  /** Another (step, layer) of the last trace, drawn as a routed layer (it also becomes what Export writes). */
  async traceLayer(step: number, layer: number): Promise<RoutedLayer> {
    const reply = await this.#send({ type: 'trace-layer', id: this.#id(), step, layer })
    return (reply as Extract<EngineReply, { type: 'routed' }>).layer
  }

  async export(format: 'npz' | 'safetensors'): Promise<{ bytes: ArrayBuffer; fileName: string }> {
    const reply = (await this.#send({ type: 'export', id: this.#id(), format })) as Extract<EngineReply, { type: 'exported' }>
    return { bytes: reply.bytes, fileName: reply.fileName }
  }
}
