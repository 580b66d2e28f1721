/**
 * The two body formats the ingest route accepts, turned into a list of JSON
 * documents (one per record):
 *
 * - `application/json`: one object (one record) or an array (one record per
 *   element);
 * - `application/x-ndjson` (also `application/ndjson`): one JSON value per
 *   line; blank lines are skipped, `\r\n` line ends are accepted.
 *
 * Syntax errors name the offset, line and column (for NDJSON: the line of the
 * stream and the column in it). A body with more than `maxRecords` records is
 * refused before any record is validated.
 */
import { EmptyBody, MalformedBody, PayloadTooLarge } from './errors.js';
import { parseJson } from './json-syntax.js';

export type BodyFormat = 'json' | 'ndjson';

/** The media types of each format (lower case, without parameters). */
export const MEDIA_TYPES: Readonly<Record<BodyFormat, readonly string[]>> = {
  json: ['application/json'],
  ndjson: ['application/x-ndjson', 'application/ndjson'],
};

/** The format of a `Content-Type` header value, or undefined when it is neither. */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const essence = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (essence === undefined) return undefined;
  if (MEDIA_TYPES.json.includes(essence)) return 'json';
  if (MEDIA_TYPES.ndjson.includes(essence)) return 'ndjson';
  return undefined;
}

export interface ParsedBody {
  /** One JSON document per record, in request order. */
  readonly documents: readonly unknown[];
  /** For NDJSON: the 1-based line of each document (same indexes). */
  readonly lines?: readonly number[];
}

export function parseBody(text: string, format: BodyFormat, maxRecords: number): ParsedBody {
  return format === 'json' ? parseJsonBody(text, maxRecords) : parseNdjsonBody(text, maxRecords);
}

function parseJsonBody(text: string, maxRecords: number): ParsedBody {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const { offset, line, column, message } = parsed.error;
    throw new MalformedBody(`body is not valid JSON: ${message} at line ${line}, column ${column} (offset ${offset})`, { line, column, offset });
  }
  const documents = Array.isArray(parsed.value) ? (parsed.value as unknown[]) : [parsed.value];
  if (documents.length === 0) throw new EmptyBody();
  if (documents.length > maxRecords) throw tooMany(`${documents.length} records`, maxRecords);
  return { documents };
}

function parseNdjsonBody(text: string, maxRecords: number): ParsedBody {
  const documents: unknown[] = [];
  const lines: number[] = [];
  let start = 0;
  for (let line = 1; ; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const content = text.slice(start, end);
    if (content.trim() !== '') {
      if (documents.length === maxRecords) throw tooMany(`more than ${maxRecords} records`, maxRecords);
      const parsed = parseJson(content);
      if (!parsed.ok) {
        // The line holds no newline, so the error's column is its column in the stream's line.
        const { column, message } = parsed.error;
        const offset = start + parsed.error.offset;
        throw new MalformedBody(`NDJSON line ${line} is not valid JSON: ${message} at column ${column} (offset ${offset} in the body)`, { line, column, offset });
      }
      documents.push(parsed.value);
      lines.push(line);
    }
    if (newline === -1) break;
    start = newline + 1;
  }
  if (documents.length === 0) throw new EmptyBody();
  return { documents, lines };
}

function tooMany(what: string, maxRecords: number): PayloadTooLarge {
  return new PayloadTooLarge('TOO_MANY_RECORDS', `the request holds ${what}, above MAX_RECORDS (${maxRecords}): split it into smaller requests`);
}
