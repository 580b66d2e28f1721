import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../src/index.js';

describe("Kafka's default partitioner", () => {
  // Vectors from Kafka's own UtilsTest.testMurmur2 (the Java client's Utils.murmur2).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %i', (text, expected) => {
    expect(murmur2(Buffer.from(text))).toBe(expected);
  });

  it('takes the positive hash modulo the partition count', () => {
    // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340; 1173551340 % 7 = 1
    expect(partitionForKey(Buffer.from('21'), 7)).toBe(1173551340 % 7);
    expect(partitionForKey(Buffer.from('abc'), 10)).toBe(479470107 % 10);
    expect(partitionForKey(Buffer.from('anything'), 1)).toBe(0);
  });
});
