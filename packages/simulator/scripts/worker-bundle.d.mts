/** The worker script bundled from worker/worker-entry.ts. */
export declare function buildWorkerSource(): Promise<string>
/** src/worker-source.ts's text for a worker script. */
export declare function workerSourceModule(source: string): string
