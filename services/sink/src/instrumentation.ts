/** Hooks the sink calls as it works (metrics map them to Prometheus). Every hook is optional, synchronous and cheap. */
export interface SinkInstrumentation {
  /** Records of a batch the sink took from a partition (excluding those written before). */
  recordsConsumed?(topic: string, partition: number, count: number): void;
  /** Rows inserted or updated by a committed transaction. */
  rowsWritten?(table: string, count: number): void;
  /** A batch transaction ended: committed, refused by the fence, or failed (rolled back, to be retried or fatal). */
  transaction?(outcome: 'committed' | 'fenced' | 'failed', seconds: number): void;
  deadLettered?(topic: string, count: number): void;
  /** Records with a null value: nothing to write. */
  nullValues?(topic: string, count: number): void;
  /** Records deleted by retention before the sink wrote them. */
  recordsLost?(topic: string, partition: number, count: number): void;
  /** High watermark minus the stored next offset, after a batch. */
  lag?(topic: string, partition: number, lag: number): void;
  /** The partition is no longer assigned here. */
  partitionRevoked?(topic: string, partition: number): void;
  partitionsAssigned?(count: number): void;
  /** The informational commit of the stored offsets to the Kafka group failed (the database offsets are unaffected). */
  groupCommitFailed?(): void;
}
