import { StreamsBuilder, string, type Serde, type Topology } from '@tributary/streams';
import { MissingReadingError, UnmatchedReferenceError } from '../errors.js';
import type { UnmatchedPolicy } from '../topology.js';
import type { JoinField } from './fields.js';
import { MATCHED_FIELD } from './schema-check.js';

/** Name of the global store holding the reference topic in join mode (queryable at `/stores/reference/:key`). */
export const REFERENCE_STORE = 'reference';

/** Records are Avro records decoded to plain objects (field name → value). */
export type GenericRecord = Readonly<Record<string, unknown>>;

export interface JoinTopologyOptions {
  /** Value serdes (keys are UTF-8 strings): the registered schemas of the three topics in production. */
  readonly serdes: { readonly input: Serde<GenericRecord>; readonly reference: Serde<GenericRecord>; readonly output: Serde<GenericRecord> };
  readonly topics: { readonly input: string; readonly reference: string; readonly output: string };
  /** The input field (a string) looked up in the reference table; the output is keyed by its value. */
  readonly keyField: string;
  /** The reference fields copied into the output (null when unmatched). */
  readonly fields: readonly JoinField[];
  /** Default `pass`. `dlq` needs the app's `errorPolicy: 'dlq'` (the default). */
  readonly unmatched?: UnmatchedPolicy;
  /** Called for each joined record (for metrics); not rolled back with an aborted transaction. */
  readonly onJoin?: (matched: boolean) => void;
}

/** The input record, `matched`, and each join field from the reference record (null without one). */
export function joinRecord(input: GenericRecord, reference: GenericRecord | undefined, fields: readonly JoinField[]): GenericRecord {
  const out: Record<string, unknown> = { ...input, [MATCHED_FIELD]: reference !== undefined };
  for (const f of fields) out[f.name] = reference === undefined ? null : (reference[f.field] ?? null);
  return out;
}

/**
 * ENRICH_MODE=join: input ⟕ reference (a global table keyed by the
 * reference topic's record key: every instance holds all of it, so the
 * input needs no co-partitioning) → the input record plus `matched` and the
 * JOIN_FIELDS, keyed by the input's `keyField` value and stamped with the
 * input record's timestamp. The same shape as the cold-chain topology, over
 * generic records: only the configuration and the schemas differ per pipeline.
 */
export function buildJoinTopology(options: JoinTopologyOptions): Topology {
  const { serdes, topics, keyField, fields, onJoin } = options;
  const unmatched = options.unmatched ?? 'pass';
  const builder = new StreamsBuilder();
  const reference = builder.globalTable(topics.reference, { key: string(), value: serdes.reference }, { store: REFERENCE_STORE });
  builder
    .stream(topics.input, { key: string(), value: serdes.input }, { name: 'join-input' })
    .leftJoinGlobal(
      reference,
      (key, value) => {
        // A tombstone on the input topic would otherwise fail with a TypeError: name it.
        if (value === null || value === undefined) throw new MissingReadingError(key, 'an input record');
        // The schema check made keyField a non-null string of the input schema.
        return value[keyField] as string;
      },
      (value, ref) => {
        onJoin?.(ref !== undefined);
        if (ref === undefined && unmatched === 'dlq') throw new UnmatchedReferenceError(keyField, value[keyField] as string, topics.reference);
        return joinRecord(value, ref, fields);
      },
      { name: 'join-reference' },
    )
    .selectKey((_key, value) => value[keyField] as string, { name: 'join-key' })
    .to(topics.output, { key: string(), value: serdes.output }, { name: 'join-output' });
  return builder.build();
}
