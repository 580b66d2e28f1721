import { ProcessingError } from '@tributary/streams';

/**
 * A reading whose record key is not its `containerId` (or is missing).
 * Windows are keyed and partitioned by the record key; a reading filed under
 * another key would build a second window for its container in some other
 * task, so it is dead-lettered (to `<applicationId>.dlq`, code `KEY_MISMATCH`)
 * rather than silently re-keyed or counted twice.
 */
export class KeyMismatchError extends ProcessingError {
  // A class field runs after ProcessingError's constructor: it replaces the generic PROCESSING code.
  override readonly code = 'KEY_MISMATCH';

  /** `field`: the key field of AGGREGATE_MODE=lookback (LOOKBACK_KEY_FIELD); the readings' containerId by default. */
  constructor(key: string | null, containerId: string, field?: string) {
    super(
      field === undefined
        ? `record key ${JSON.stringify(key)} differs from the reading's containerId ${JSON.stringify(containerId)}: readings must be keyed by containerId`
        : `record key ${JSON.stringify(key)} differs from the record's ${field} ${JSON.stringify(containerId)}: records must be keyed by ${field}`,
    );
  }
}

/** A record on the input topic without a value (a tombstone): there is no reading to aggregate. */
export class MissingReadingError extends ProcessingError {
  override readonly code = 'MISSING_VALUE';

  constructor(key: string | null, expected = 'a reading') {
    super(`the record keyed ${JSON.stringify(key)} has no value (a tombstone): ${expected} is expected`);
  }
}
