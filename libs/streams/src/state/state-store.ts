/** Anything a processor can be connected to by name. */
export interface StateStore {
  readonly name: string;
  /** Number of committed entries (approximate for window and session stores). */
  size(): number;
}

/** A changelog record as bytes; `value: null` is a tombstone. */
export interface ChangelogRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly timestamp?: number;
}

/**
 * What the task runtime needs of every store, whatever its kind: pending
 * changes that become visible only when the transaction commits, the
 * changelog records those changes produce, and restore from the changelog.
 * A persistent store or a standby replica implements the same contract.
 */
export interface ManagedStore extends StateStore {
  /** Changelog topic, or undefined for a store that is not logged. */
  readonly changelogTopic: string | undefined;
  /** True when changes were made since the last commit or abort. */
  hasPendingChanges(): boolean;
  /** The changelog records of the pending changes, one per changed key (last write wins). */
  changelogRecords(): ChangelogRecord[] | Promise<ChangelogRecord[]>;
  /**
   * Marks the start of one record's processing. If that record fails and is
   * dead-lettered, `rollbackToSavepoint` undoes the changes made since, so a
   * record is either fully applied or not at all.
   */
  savepoint(): void;
  /** Undoes the pending changes made since the last `savepoint` (earlier pending changes stay). */
  rollbackToSavepoint(): void;
  /** The transaction that carried the pending changes committed: make them visible. */
  commit(): void;
  /** The transaction aborted: forget the pending changes. */
  abort(): void;
  /** Applies committed changelog records read during restore. */
  restore(records: readonly ChangelogRecord[]): void | Promise<void>;
  /** Drops all state (before a restore from scratch). */
  clear(): void;
  close(): void;
}
