/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte
 * big-endian integer, then the Avro binary body.
 */
import { TruncatedPayload, UnknownMagicByte } from '../errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Reads the header; throws the typed error the first five bytes call for. */
export function readSchemaId(data: Buffer): number {
  if (data.length === 0) throw new TruncatedPayload('payload is empty (0 bytes): expected magic byte 0, a 4-byte schema id and an Avro body');
  const magic = data[0] as number;
  if (magic !== MAGIC_BYTE) throw new UnknownMagicByte(magic);
  if (data.length < HEADER_SIZE) {
    throw new TruncatedPayload(`payload is ${data.length} bytes, shorter than the 5-byte header (magic byte + schema id)`);
  }
  return data.readUInt32BE(1);
}

/** Prefixes an Avro body with the header for `schemaId`. */
export function withHeader(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_SIZE);
  return out;
}
