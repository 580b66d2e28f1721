import type { RecordMetadata, StreamRecord } from '../record.js';
import type { StateStore } from '../state/state-store.js';
import type { LateRecordInfo } from '../window/late-records.js';

/** Which clock drives a punctuation. */
export type PunctuationType =
  /** Stream time: the largest record timestamp the task has seen; advances only with data. */
  | 'stream-time'
  /** Wall-clock time: fires on a timer, also when no data arrives. */
  | 'wall-clock';

/** A scheduled punctuation; `cancel()` stops it. */
export interface Cancellable {
  cancel(): void;
}

/**
 * What a processor may do: forward records to its children, use the stores it
 * was connected to, schedule punctuations, and see where the current record
 * came from. Everything a processor forwards or writes is committed atomically
 * with the consumed offsets (exactly-once) or not at all.
 */
export interface ProcessorContext<KOut, VOut> {
  readonly applicationId: string;
  readonly taskId: string;
  /** Sends a record to all children, or to the named child only. */
  forward(record: StreamRecord<KOut, VOut>, childName?: string): void;
  /** A store this processor was connected to, by name. */
  getStateStore<S extends StateStore>(name: string): S;
  /** Calls `callback(timestamp)` every `intervalMs` of the given time. */
  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable;
  /** Topic, partition and offset of the record being processed (undefined inside a punctuation). */
  recordMetadata(): RecordMetadata | undefined;
  /** The task's stream time: max record timestamp seen, -1 before any record. */
  currentStreamTime(): number;
  currentSystemTime(): number;
  /**
   * Reports that the record being processed arrived after every window it
   * belongs to had closed: it is counted and, unless `info.drop`, written to
   * `<applicationId>.late` (in the same transaction as everything else).
   */
  lateRecord?(info: LateRecordInfo): void;
}

/**
 * The unit a topology is compiled to (Kafka Streams' processor contract):
 * `init` once per task, `process` per record, `close` when the task closes.
 * `process` is synchronous: a record is fully processed when it returns, which
 * is what lets a commit cover exactly the records processed before it.
 */
export interface Processor<KIn, VIn, KOut = KIn, VOut = VIn> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  /**
   * Awaited before each commit, for every processor in topology order
   * (parents first), outside any record (`recordMetadata()` is undefined).
   * What it forwards and writes belongs to the commit being prepared, so a
   * processor may buffer in `process()` and do asynchronous work here for a
   * whole batch at once (e.g. score a batch as one model call). A throw fails
   * the commit: the task aborts and the records are processed again.
   */
  flush?(): void | Promise<void>;
  /** The task dropped its uncommitted work (abort, rebalance): forget anything buffered since the last commit. */
  abort?(): void;
  close?(): void;
}

/** Makes a fresh processor for each task. */
export type ProcessorSupplier<KIn, VIn, KOut = KIn, VOut = VIn> = () => Processor<KIn, VIn, KOut, VOut>;
