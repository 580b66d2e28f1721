/**
 * The record a model is published as on the models topic (key = the
 * model's name, compacted: the latest publication per name wins).
 *
 * Value layout (binary, so the ONNX bytes are not inflated by base64):
 *
 *   "TRBM" | format 0x01 | header length (uint32 BE) | header (UTF-8 JSON) | ONNX bytes (inline only)
 *
 * The header holds the model's metadata (the ModelMetadata JSON, whose
 * `version` names the version), the SHA-256 of the ONNX bytes, their size,
 * when and how it was published, and — for a model larger than the inline
 * limit — the URL its bytes are read from instead (`file://…` or
 * `http(s)://…`): large models are referenced, not chunked (a chunk per
 * record would need keys other than the model's name, which compaction
 * would not keep together). The checksum is verified on decode for inline
 * bytes and after the fetch for referenced ones. Decoding never throws: a
 * corrupt envelope is a refusal naming what is wrong.
 */
import { createHash } from 'node:crypto';
import { ModelError } from '../errors.js';
import { parseModelMetadata, type ModelMetadata } from '../model/model-metadata.js';

export const ENVELOPE_MAGIC = 'TRBM';
export const ENVELOPE_FORMAT = 1;
/** Models up to this size travel inside the record; larger ones by reference (MODEL_INLINE_MAX_BYTES). */
export const DEFAULT_INLINE_MAX_BYTES = 512 * 1024;

export interface ModelEnvelope {
  readonly name: string;
  readonly version: string;
  readonly metadata: ModelMetadata;
  /** Hex SHA-256 of the ONNX bytes. */
  readonly sha256: string;
  readonly size: number;
  /** ISO time of this publication (a rollback is a new publication of older bytes). */
  readonly publishedAt: string;
  /** Set on a rollback: the version that was live when it was published. */
  readonly rollbackOf?: string | undefined;
  /** The ONNX bytes (inline) or where to read them (reference). */
  readonly source: { readonly kind: 'inline'; readonly bytes: Uint8Array } | { readonly kind: 'url'; readonly url: string };
}

/** Why an envelope (or the bytes it references) was refused; `reason` is the refusal metric's label. */
export type EnvelopeRefusalReason = 'envelope' | 'metadata' | 'checksum' | 'fetch';
export type EnvelopeDecode =
  | { readonly ok: true; readonly envelope: ModelEnvelope }
  | { readonly ok: false; readonly reason: EnvelopeRefusalReason; readonly message: string; readonly name?: string; readonly version?: string };

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

interface Header {
  name: string;
  version: string;
  metadata: unknown;
  sha256: string;
  size: number;
  publishedAt: string;
  rollbackOf?: string;
  url?: string;
}

/** Builds the envelope of `bytes` (inline when not larger than `inlineMaxBytes`, else `url` is required). */
export function envelopeFor(
  bytes: Uint8Array,
  metadata: ModelMetadata,
  options: { inlineMaxBytes?: number; url?: string | undefined; publishedAt?: Date; rollbackOf?: string | undefined } = {},
): ModelEnvelope {
  const limit = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  if (bytes.length > limit && options.url === undefined) {
    throw new ModelError(`model ${metadata.name} ${metadata.version} is ${bytes.length} bytes, more than the inline limit ${limit}: give a URL the operators can read it from (--url)`);
  }
  return {
    name: metadata.name,
    version: metadata.version,
    metadata,
    sha256: sha256Hex(bytes),
    size: bytes.length,
    publishedAt: (options.publishedAt ?? new Date()).toISOString(),
    ...(options.rollbackOf !== undefined ? { rollbackOf: options.rollbackOf } : {}),
    source: bytes.length > limit ? { kind: 'url', url: options.url as string } : { kind: 'inline', bytes },
  };
}

export function encodeEnvelope(envelope: ModelEnvelope): Buffer {
  const header: Header = {
    name: envelope.name,
    version: envelope.version,
    metadata: envelope.metadata,
    sha256: envelope.sha256,
    size: envelope.size,
    publishedAt: envelope.publishedAt,
    ...(envelope.rollbackOf !== undefined ? { rollbackOf: envelope.rollbackOf } : {}),
    ...(envelope.source.kind === 'url' ? { url: envelope.source.url } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(9);
  prefix.write(ENVELOPE_MAGIC, 0, 'latin1');
  prefix.writeUInt8(ENVELOPE_FORMAT, 4);
  prefix.writeUInt32BE(json.length, 5);
  const body = envelope.source.kind === 'inline' ? Buffer.from(envelope.source.bytes) : Buffer.alloc(0);
  return Buffer.concat([prefix, json, body]);
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Decodes and checks a models-topic value; `key` (the record key) must name the model. Never throws. */
export function decodeEnvelope(value: Buffer | null | undefined, key?: string | null): EnvelopeDecode {
  const refuse = (reason: EnvelopeRefusalReason, message: string, header?: Partial<Header>): EnvelopeDecode => ({
    ok: false,
    reason,
    message,
    ...(header?.name !== undefined ? { name: String(header.name) } : key != null ? { name: key } : {}),
    ...(header?.version !== undefined ? { version: String(header.version) } : {}),
  });
  if (value === null || value === undefined) return refuse('envelope', `no value (a tombstone) for model ${key ?? '?'}`);
  if (value.length < 9 || value.toString('latin1', 0, 4) !== ENVELOPE_MAGIC) return refuse('envelope', 'not a model envelope (no TRBM magic)');
  const format = value.readUInt8(4);
  if (format !== ENVELOPE_FORMAT) return refuse('envelope', `envelope format ${format} is not ${ENVELOPE_FORMAT}`);
  const length = value.readUInt32BE(5);
  if (9 + length > value.length) return refuse('envelope', `envelope header of ${length} bytes is cut off (${value.length - 9} bytes follow)`);
  let header: Partial<Header>;
  try {
    header = JSON.parse(value.toString('utf8', 9, 9 + length)) as Partial<Header>;
    if (typeof header !== 'object' || header === null) throw new Error('not an object');
  } catch (error) {
    return refuse('envelope', `envelope header is not JSON: ${(error as Error).message}`);
  }
  const { name, version, sha256, size, publishedAt, url } = header;
  if (!isString(name) || !isString(version) || !isString(sha256) || !/^[0-9a-f]{64}$/.test(sha256) || typeof size !== 'number' || !isString(publishedAt)) {
    return refuse('envelope', 'envelope header lacks name, version, sha256, size or publishedAt', header);
  }
  if (key != null && key !== name) return refuse('envelope', `record key ${key} is not the envelope's model ${name}`, header);
  let metadata: ModelMetadata;
  try {
    metadata = parseModelMetadata(header.metadata, `envelope of ${name} ${version}`);
  } catch (error) {
    return refuse('metadata', (error as Error).message, header);
  }
  if (metadata.name !== name || metadata.version !== version) {
    return refuse('metadata', `envelope names ${name} ${version} but its metadata ${metadata.name} ${metadata.version}`, header);
  }
  const base = { name, version, metadata, sha256, size, publishedAt, ...(isString(header.rollbackOf) ? { rollbackOf: header.rollbackOf } : {}) };
  if (url !== undefined) {
    if (!isString(url)) return refuse('envelope', 'envelope url is not a string', header);
    return { ok: true, envelope: { ...base, source: { kind: 'url', url } } };
  }
  const bytes = value.subarray(9 + length);
  const checked = checkBytes(bytes, base);
  if (checked !== undefined) return refuse('checksum', checked, header);
  return { ok: true, envelope: { ...base, source: { kind: 'inline', bytes } } };
}

/** Undefined when `bytes` are the envelope's (size and SHA-256), else the mismatch. */
export function checkBytes(bytes: Uint8Array, envelope: Pick<ModelEnvelope, 'name' | 'version' | 'sha256' | 'size'>): string | undefined {
  const actual = sha256Hex(bytes);
  if (bytes.length === envelope.size && actual === envelope.sha256) return undefined;
  return `model ${envelope.name} ${envelope.version}: checksum mismatch: ${bytes.length} bytes with sha256 ${actual}, the envelope says ${envelope.size} bytes with sha256 ${envelope.sha256}`;
}

/** The envelope's ONNX bytes: inline, or read from its URL (`file:`, `http:`, `https:`) and checked against its checksum. */
export async function envelopeBytes(
  envelope: ModelEnvelope,
): Promise<{ readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: 'fetch' | 'checksum'; readonly message: string }> {
  if (envelope.source.kind === 'inline') return { ok: true, bytes: envelope.source.bytes };
  const { url } = envelope.source;
  let bytes: Uint8Array;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      bytes = await readFile(parsed);
    } else if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
      const response = await fetch(parsed);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } else {
      throw new Error(`unsupported scheme ${parsed.protocol}`);
    }
  } catch (error) {
    return { ok: false, reason: 'fetch', message: `model ${envelope.name} ${envelope.version}: cannot read ${url}: ${(error as Error).message}` };
  }
  const mismatch = checkBytes(bytes, envelope);
  return mismatch === undefined ? { ok: true, bytes } : { ok: false, reason: 'checksum', message: mismatch };
}
