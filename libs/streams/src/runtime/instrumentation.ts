/**
 * Hooks the runtime calls as it works, for metrics (the service shell maps
 * them to Prometheus). Every method is optional; calls are synchronous and
 * must be cheap.
 */
export interface StreamsInstrumentation {
  recordsConsumed?(topic: string, partition: number, count: number): void;
  recordsProduced?(topic: string, count: number): void;
  /** Dead letters written by a commit, per source topic. */
  recordsDeadLettered?(topic: string, count: number): void;
  /** A record of `topic` arrived after every window of `store` it belongs to had closed (`dropped`: not written to the late topic). */
  lateRecord?(topic: string, store: string, dropped: boolean): void;
  /** Time to process one fetched batch of `records`. */
  batchProcessed?(taskId: string, records: number, seconds: number): void;
  committed?(taskId: string, seconds: number, messages: number): void;
  aborted?(taskId: string, reason: string): void;
  /** Restore progress of one store partition. */
  restoreProgress?(store: string, partition: number, restored: number, total: number): void;
  restoreCompleted?(store: string, partition: number, records: number, seconds: number): void;
  /** Consumer lag after a fetched batch: high watermark − next offset. */
  lag?(topic: string, partition: number, lag: number): void;
  tasksAssigned?(taskIds: readonly string[]): void;
  taskFailed?(taskId: string, error: unknown): void;
  stateChanged?(state: StreamsState): void;
}

/** Lifecycle of a `StreamsApp`. */
export type StreamsState = 'created' | 'starting' | 'rebalancing' | 'running' | 'stopping' | 'stopped' | 'failed';
