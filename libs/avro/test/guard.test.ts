import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBounds } from '../src/serde/guard.js';
import { avroType, CorruptPayload, DecodeError } from '../src/index.js';

const type = avroType({
  type: 'record',
  name: 'R',
  fields: [
    { name: 'xs', type: { type: 'array', items: 'double' } },
    { name: 'm', type: { type: 'map', values: ['null', 'string'] } },
    { name: 'empties', type: { type: 'array', items: 'null' } },
  ],
});

describe('collection bounds guard', () => {
  it('passes every value avsc writes', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), fc.dictionary(fc.string(), fc.option(fc.string(), { nil: null })), fc.nat(50), (xs, m, n) => {
        const buf = type.toBuffer({ xs, m, empties: Array.from({ length: n }, () => null) });
        checkBounds(type, buf, 0);
      }),
    );
  });

  it('refuses a block count the remaining bytes cannot hold, instead of looping over it', () => {
    // xs: count 2^40 (zig-zag varint), then nothing.
    const huge = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
    expect(() => checkBounds(type, huge, 0)).toThrow(CorruptPayload);
  });

  it('only ever throws decode errors on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          checkBounds(type, Buffer.from(bytes), 0);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
