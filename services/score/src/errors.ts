/** Errors of the score operator. All extend TributaryError (`code`, `retriable`). */
import { TributaryError } from '@tributary/streams';

/** The model file or its model.json sidecar is missing, unreadable or inconsistent. Raised at start. */
export class ModelError extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super('MODEL', message, cause === undefined ? {} : { cause });
  }
}

/** A window record with no value (a tombstone): nothing to score. Goes to the dead-letter topic. */
export class MissingAggregateError extends TributaryError {
  constructor(key: string | null) {
    super('MISSING_AGGREGATE', `record ${JSON.stringify(key)} has no value: a tombstone cannot be scored`);
  }
}

/** Running the model on a batch failed: the batch's transaction is aborted (the runtime fails the task). */
export class InferenceError extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super('INFERENCE', message, cause === undefined ? {} : { cause });
  }
}

