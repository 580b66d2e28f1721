import { ProcessingError } from '@tributary/streams';

/**
 * A reading whose container has no reference record, under `UNMATCHED=dlq`.
 *
 * The DSL has no operator that dead-letters a record on purpose, so the join
 * throws this and the runtime's dead-letter policy (`errorPolicy: 'dlq'`, the
 * default) writes the consumed reading, untouched, to `<applicationId>.dlq`
 * in the same transaction as everything else, with
 * `tributary.dlq.error.class: UnmatchedReadingError` and
 * `tributary.dlq.error.code: UNMATCHED_REFERENCE`. It extends
 * `ProcessingError` so the runtime passes it on as is rather than wrapping it.
 */
export class UnmatchedReadingError extends ProcessingError {
  // A class field runs after ProcessingError's constructor: it replaces the generic PROCESSING code.
  override readonly code = 'UNMATCHED_REFERENCE';

  constructor(
    readonly containerId: string,
    referenceTopic: string,
  ) {
    super(`no reference record for container ${JSON.stringify(containerId)} in ${referenceTopic} (UNMATCHED=dlq)`);
  }
}

/**
 * ENRICH_MODE=join, `UNMATCHED=dlq`: an input record whose JOIN_KEY_FIELD
 * value has no reference record. Dead-lettered as `UnmatchedReadingError`
 * is, with the same code, so alerting on `UNMATCHED_REFERENCE` covers both modes.
 */
export class UnmatchedReferenceError extends ProcessingError {
  override readonly code = 'UNMATCHED_REFERENCE';

  constructor(
    readonly keyField: string,
    readonly joinKey: string,
    referenceTopic: string,
  ) {
    super(`no reference record for ${keyField}=${JSON.stringify(joinKey)} in ${referenceTopic} (UNMATCHED=dlq)`);
  }
}

/** A record on the input topic without a value (a tombstone): there is nothing to enrich. */
export class MissingReadingError extends ProcessingError {
  override readonly code = 'MISSING_VALUE';

  /** `expected` names what the record should have held (`a reading` in the cold-chain mode, `an input record` in join mode). */
  constructor(key: string | null, expected = 'a reading') {
    super(`the record keyed ${JSON.stringify(key)} has no value (a tombstone): ${expected} is expected`);
  }
}
