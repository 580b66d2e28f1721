/**
 * Consumed records of one topic → rows of its table. A record that cannot be
 * decoded (not Avro, unknown schema id, corrupt) or whose value cannot be
 * stored becomes a dead letter; a record with a null value has nothing to
 * write (the primary key comes from the value) and is counted and skipped.
 * A retriable failure (the registry is unreachable) is thrown: the record is
 * fine, and the batch is tried again later.
 */
import { isRetriable, type ConsumedMessage } from '@tributary/streams';
import type { TableLayout } from './columns.js';
import { UnwritableValueError } from './errors.js';
import { rowValues } from './row-values.js';
import type { Row } from './upsert.js';

/** The value decoder of a topic (an `AvroSerde` reading with the topic's latest schema). */
export interface ValueDecoder {
  deserialize(data: Buffer, context: { topic: string; isKey: boolean }): unknown;
}

export interface DeadLetterCandidate {
  readonly message: ConsumedMessage;
  readonly error: unknown;
}

/** A row with the record it came from (a dead letter if the database refuses it). */
export interface DecodedRow extends Row {
  readonly message: ConsumedMessage;
}

export interface DecodedBatch {
  /** Rows in offset order. */
  readonly rows: DecodedRow[];
  readonly deadLetters: DeadLetterCandidate[];
  readonly nullValues: number;
}

export class RecordDecoder {
  readonly topic: string;
  readonly layout: TableLayout;
  readonly #decoder: ValueDecoder;

  constructor(topic: string, layout: TableLayout, decoder: ValueDecoder) {
    this.topic = topic;
    this.layout = layout;
    this.#decoder = decoder;
  }

  async decode(messages: readonly ConsumedMessage[]): Promise<DecodedBatch> {
    const rows: DecodedRow[] = [];
    const deadLetters: DeadLetterCandidate[] = [];
    let nullValues = 0;
    const context = { topic: this.topic, isKey: false };
    for (const message of messages) {
      if (message.value === null) {
        nullValues += 1;
        continue;
      }
      let value: unknown;
      try {
        value = this.#decoder.deserialize(message.value, context);
        if (value instanceof Promise) value = await value;
      } catch (error) {
        if (isRetriable(error)) throw error;
        deadLetters.push({ message, error });
        continue;
      }
      try {
        rows.push({ offset: BigInt(message.offset), values: rowValues(this.layout, value), message });
      } catch (error) {
        if (!(error instanceof UnwritableValueError)) throw error;
        deadLetters.push({ message, error });
      }
    }
    return { rows, deadLetters, nullValues };
  }
}
