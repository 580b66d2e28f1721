import { describe, expect, it } from 'vitest';
import { bearerAuth } from '../src/bearer-auth.js';
import { Forbidden, Unauthorized } from '../src/errors.js';

describe('bearerAuth', () => {
  const check = bearerAuth('s3cret-token');

  it('accepts the configured token, with any case of the scheme', () => {
    expect(() => check('Bearer s3cret-token')).not.toThrow();
    expect(() => check('bearer  s3cret-token ')).not.toThrow();
  });

  it('answers 401 without a bearer token', () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 's3cret-token']) {
      expect(() => check(header), String(header)).toThrow(Unauthorized);
    }
    expect(new Unauthorized().headers).toEqual({ 'www-authenticate': 'Bearer realm="ingest"' });
  });

  it('answers 403 with another token, whatever its length, and never echoes it', () => {
    for (const token of ['s3cret-toke', 's3cret-tokenn', 'x', 'S3CRET-TOKEN']) {
      let error: unknown;
      try {
        check(`Bearer ${token}`);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Forbidden);
      expect(JSON.stringify((error as Forbidden).body())).not.toContain(token);
    }
  });
});
