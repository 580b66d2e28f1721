/**
 * Bearer-token check for the ingest route. The comparison takes the same
 * time whatever the token sent: both sides are hashed to 32 bytes and
 * compared with `timingSafeEqual`, so neither the content nor the length of
 * the configured token leaks through response times. The token is never
 * logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Forbidden, Unauthorized } from './errors.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** A check that throws `Unauthorized` (no bearer token) or `Forbidden` (another token). */
export function bearerAuth(token: string): (authorization: string | undefined) => void {
  const expected = digest(token);
  return (authorization) => {
    const match = authorization === undefined ? null : BEARER.exec(authorization);
    if (match === null) throw new Unauthorized();
    if (!timingSafeEqual(digest(match[1] as string), expected)) throw new Forbidden();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
