/**
 * The text of each record of a request body as the client sent it: what a
 * dead letter holds, so the refused record can be inspected (and replayed)
 * byte for byte, not as ingest re-serialized it.
 *
 * - NDJSON: each non-blank line, without its line end (`\r\n` or `\n`);
 * - JSON array: each top-level element, from its first to its last
 *   character (the whitespace and commas around it dropped);
 * - JSON object: the body, trimmed.
 *
 * The body must be one `parseBody` accepted (it is valid JSON / NDJSON): the
 * scanner only tracks strings and nesting, it does not validate. Only
 * refused requests pay for it.
 */
import type { BodyFormat } from './request-body.js';

/** One text per record, in the order (and with the indexes) `parseBody` gives the documents. */
export function rawRecords(body: string, format: BodyFormat): string[] {
  if (format === 'ndjson') {
    return body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
  const trimmed = body.trim();
  return trimmed.startsWith('[') ? arrayElements(trimmed) : [trimmed];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The top-level elements of a valid JSON array's text. */
function arrayElements(text: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1; // first character of the current element, -1 between elements
  let end = -1; // one past its last non-whitespace character
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        end = i + 1;
      }
      continue;
    }
    if (WHITESPACE.has(c)) continue;
    if (depth === 1 && c === COMMA) {
      elements.push(text.slice(start, end));
      start = -1;
      continue;
    }
    if (CLOSERS.has(c)) {
      depth--;
      if (depth === 0) {
        if (start !== -1) elements.push(text.slice(start, end));
        break;
      }
      end = i + 1;
      continue;
    }
    if (depth === 1 && start === -1) start = i;
    if (OPENERS.has(c)) depth++;
    else if (c === QUOTE) inString = true;
    end = i + 1;
  }
  return elements;
}
