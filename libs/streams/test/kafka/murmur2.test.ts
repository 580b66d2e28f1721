import { describe, expect, it } from 'vitest';
import { murmur2 } from '../../src/kafka/murmur2.js';
import { kafkajsOriginal, runtimeModule } from './kafkajs-modules.js';

type Hash = (key: Buffer | string) => number;
const modulePath = 'kafkajs/src/producer/partitioners/default/murmur2.js';
// kafkajs' own: Long-based and Java-compatible.
const kafkajsMurmur2 = (): Hash => kafkajsOriginal<Hash>(modulePath);

describe('murmur2', () => {
  it("hashes every key as kafkajs' Java-compatible murmur2 does", () => {
    const theirs = kafkajsMurmur2();
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let n = 0; n < 20_000; n++) {
      const length = next() % 70;
      const bytes = Buffer.alloc(length);
      for (let i = 0; i < length; i++) bytes[i] = next() & 0xff;
      expect(murmur2(bytes)).toBe(theirs(bytes));
    }
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'sensor-17', 'ü€😀', 'k'.repeat(1_001)]) expect(murmur2(key)).toBe(theirs(key));
  });

  it('gives the Java client’s values for known keys', () => {
    // Kafka's UtilsTest.testMurmur2: "21" → -973932308, "foobar" → -790332482, "a-little-bit-long-string" → -985981536.
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
  });

  it("is the hash of the runtime's kafkajs copy", () => {
    expect(runtimeModule(modulePath)).toBe(murmur2);
  });
});
