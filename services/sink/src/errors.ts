import { TributaryError } from '@tributary/streams';

/**
 * The sink's table layout cannot be derived from a topic's schema, or an
 * existing table does not match it (a column's type changed, the primary key
 * moved). Raised at start, before anything is written; not retriable.
 */
export class SchemaMappingError extends TributaryError {
  constructor(message: string) {
    super('SINK_SCHEMA_MAPPING', message);
  }
}

/**
 * One record's value cannot be stored (a NUL character in text, a timestamp
 * PostgreSQL cannot represent…). The record goes to the dead-letter topic.
 */
export class UnwritableValueError extends TributaryError {
  constructor(message: string) {
    super('SINK_UNWRITABLE_VALUE', message);
  }
}

/** A source topic the sink is configured for does not exist (topics are created by the pipeline, not by the sink). */
export class MissingTopicError extends TributaryError {
  constructor(topics: readonly string[]) {
    super('SINK_MISSING_TOPIC', `topic${topics.length > 1 ? 's' : ''} ${topics.join(', ')} not found: create ${topics.length > 1 ? 'them' : 'it'} before starting the sink`);
  }
}

/** The registry has no schema under a topic's value subject, so the sink cannot know its columns. */
export class MissingSchemaError extends TributaryError {
  constructor(subject: string, registryUrl: string) {
    super('SINK_MISSING_SCHEMA', `no schema registered under subject ${subject} at ${registryUrl}: register it (npm run schemas -- register) before starting the sink`);
  }
}
