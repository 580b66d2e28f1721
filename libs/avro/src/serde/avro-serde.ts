/**
 * The Avro serde: Confluent wire format over a schema registry.
 *
 * - deserialize: the writer's schema comes from the id in the header (fetched
 *   once, cached); the value is read with the operator's own schema through
 *   Avro schema resolution, so records written by older and newer versions
 *   both decode. Once an id is cached this returns synchronously.
 * - serialize: the operator's schema is registered (or looked up) under the
 *   subject once; afterwards this returns synchronously.
 */
import type avro from 'avsc';
import { type AvroError, CorruptPayload, IncompatibleSchema, InvalidValue, SchemaNotRegistered, TruncatedPayload } from '../errors.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import { avroType, schemaOf, type AvroSchema, type SchemaInput } from '../schema/types.js';
import { checkBounds, hasCollections } from './guard.js';
import { subjectName, type SerdeContext, type SubjectNameStrategy } from './subject.js';
import { HEADER_SIZE, MAGIC_BYTE, readSchemaId } from './wire.js';

/** Structural twin of the runtime's `Serde<T>` (libs/streams), so either can be used where the other is expected. */
export interface Serde<T> {
  serialize(value: T, context: SerdeContext): Buffer | Promise<Buffer>;
  deserialize(data: Buffer, context: SerdeContext): T | Promise<T>;
}

export interface AvroSerdeOptions {
  /** A client (share one per process: its caches are per client), its options, or the registry URL. */
  readonly registry: RegistryClient | RegistryClientOptions | string;
  /** Default `topic` (TopicNameStrategy: `<topic>-value`). */
  readonly subjectStrategy?: SubjectNameStrategy;
  /**
   * Register the schema on first serialize (default true, like Confluent's
   * serializers). Set false in production so only `npm run schemas -- register`
   * (after `check`) adds versions; serialize then looks the schema up and
   * fails with `SchemaNotRegistered` if it is missing.
   */
  readonly autoRegister?: boolean;
}

/** What a writer id resolves to: a ready reader, or the reason it cannot be read. */
type WriterEntry = { readonly resolver: avro.Resolver | undefined; readonly guard: avro.Type | undefined } | { readonly error: AvroError };

const SCRATCH_SIZE = 64 * 1024;

export class AvroSerde<T> implements Serde<T> {
  readonly schema: AvroSchema;
  readonly registry: RegistryClient;
  private readonly type: avro.Type;
  private readonly schemaText: string;
  private readonly strategy: SubjectNameStrategy;
  private readonly autoRegister: boolean;
  private readonly writers = new Map<number, WriterEntry>();
  private readonly pendingWriters = new Map<number, Promise<WriterEntry>>();
  private readonly ids = new Map<string, number>();
  private readonly pendingIds = new Map<string, Promise<number>>();
  private scratch = Buffer.allocUnsafe(SCRATCH_SIZE);

  constructor(schema: SchemaInput<T>, options: AvroSerdeOptions) {
    this.schema = schemaOf(schema);
    this.type = avroType(this.schema);
    this.schemaText = JSON.stringify(this.schema);
    this.registry = options.registry instanceof RegistryClient ? options.registry : new RegistryClient(typeof options.registry === 'string' ? { url: options.registry } : options.registry);
    this.strategy = options.subjectStrategy ?? 'topic';
    this.autoRegister = options.autoRegister ?? true;
  }

  /** The subject this serde writes to for `topic`. */
  subject(topic: string, isKey = false): string {
    return subjectName(this.strategy, { topic, isKey }, this.schema);
  }

  /** Registers or looks up the schema for `topic` now, so the first serialize is synchronous. Returns the schema id. */
  async prepare(topic: string, isKey = false): Promise<number> {
    return this.schemaId(this.subject(topic, isKey));
  }

  /** Fetches the writer schema `id` and builds its resolver now, so decoding its records is synchronous. */
  async warm(id: number): Promise<void> {
    if (!this.writers.has(id)) await this.loadWriter(id);
  }

  serialize(value: T, context: SerdeContext): Buffer | Promise<Buffer> {
    const subject = subjectName(this.strategy, context, this.schema);
    const id = this.ids.get(subject);
    if (id !== undefined) return this.encode(id, value);
    return this.schemaId(subject).then((known) => this.encode(known, value));
  }

  deserialize(data: Buffer, _context?: SerdeContext): T | Promise<T> {
    const id = readSchemaId(data);
    const entry = this.writers.get(id);
    if (entry !== undefined) return this.decode(entry, id, data);
    return this.loadWriter(id).then((loaded) => this.decode(loaded, id, data));
  }

  private encode(id: number, value: T): Buffer {
    let end: number;
    try {
      end = this.type.encode(value, this.scratch, HEADER_SIZE);
    } catch (error) {
      throw this.invalid(value, error);
    }
    if (end < 0) {
      // Larger than the scratch buffer: grow it for next time and encode once more.
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, HEADER_SIZE - end));
      return this.encode(id, value);
    }
    const out = Buffer.allocUnsafe(end);
    this.scratch.copy(out, 0, 0, end);
    out[0] = MAGIC_BYTE;
    out.writeUInt32BE(id, 1);
    return out;
  }

  private invalid(value: T, cause: unknown): InvalidValue {
    const paths: string[] = [];
    this.type.isValid(value, { errorHook: (path, received) => paths.push(`${path.join('.') || '(root)'} = ${describe(received)}`) });
    const name = (this.schema as { name?: string }).name ?? 'value';
    const detail = paths.length > 0 ? paths.join('; ') : cause instanceof Error ? cause.message : String(cause);
    return new InvalidValue(`value does not match Avro schema ${name}: ${detail}`, paths);
  }

  private decode(entry: WriterEntry, id: number, data: Buffer): T {
    if ('error' in entry) throw entry.error;
    if (entry.guard !== undefined) checkBounds(entry.guard, data, HEADER_SIZE);
    let decoded: { value: unknown; offset: number };
    try {
      decoded = this.type.decode(data, HEADER_SIZE, entry.resolver);
    } catch (error) {
      throw new CorruptPayload(`payload does not decode under writer schema ${id}: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    if (decoded.offset < 0) {
      throw new TruncatedPayload(`payload (${data.length} bytes) ends before the value written with schema ${id} does: truncated, or a corrupt length`);
    }
    if (decoded.offset !== data.length) {
      throw new CorruptPayload(`${data.length - decoded.offset} bytes left over after the value written with schema ${id}: corrupt, or not this schema`);
    }
    return decoded.value as T;
  }

  private loadWriter(id: number): Promise<WriterEntry> {
    let pending = this.pendingWriters.get(id);
    if (pending === undefined) {
      pending = this.registry
        .schemaById(id)
        .then((text) => {
          const entry = this.resolve(id, text);
          this.writers.set(id, entry);
          return entry;
        })
        .finally(() => this.pendingWriters.delete(id));
      this.pendingWriters.set(id, pending);
    }
    return pending;
  }

  private resolve(id: number, text: string): WriterEntry {
    let writer: avro.Type;
    try {
      writer = avroType(JSON.parse(text) as AvroSchema);
    } catch (error) {
      return { error: new IncompatibleSchema(`writer schema ${id} from the registry is not a valid Avro schema: ${String(error)}`, error) };
    }
    const guard = hasCollections(writer) ? writer : undefined;
    if (writer.equals(this.type)) return { resolver: undefined, guard };
    try {
      return { resolver: this.type.createResolver(writer), guard };
    } catch (error) {
      const name = (this.schema as { name?: string }).name ?? 'the reader schema';
      return {
        error: new IncompatibleSchema(
          `records written with schema ${id} cannot be read as ${name}: ${error instanceof Error ? error.message : String(error)}; ` +
            'evolve the schemas under a compatibility rule (npm run schemas -- check)',
          error,
        ),
      };
    }
  }

  private schemaId(subject: string): Promise<number> {
    const known = this.ids.get(subject);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.pendingIds.get(subject);
    if (pending === undefined) {
      pending = (this.autoRegister ? this.registry.register(subject, this.schemaText) : this.registry.lookup(subject, this.schemaText))
        .then((id) => {
          if (id === undefined) throw new SchemaNotRegistered(subject, this.registry.url);
          this.ids.set(subject, id);
          // Our own records decode without a registry round trip.
          if (!this.writers.has(id)) this.writers.set(id, this.resolve(id, this.schemaText));
          return id;
        })
        .finally(() => this.pendingIds.delete(subject));
      this.pendingIds.set(subject, pending);
    }
    return pending;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A serde for `schema`: the value type is inferred from a `TypedSchema<T>` (see `@tributary/schemas`). */
export function avroSerde<T>(schema: SchemaInput<T>, options: AvroSerdeOptions): AvroSerde<T> {
  return new AvroSerde<T>(schema, options);
}
