import { describe, expect, it } from 'vitest';
import { chunkMessages } from '../../src/runtime/task-writer.js';
import type { OutputMessage } from '../../src/task/output-message.js';

const message = (i: number, valueBytes: number): OutputMessage => ({
  topic: 'out',
  key: Buffer.from(`k${i}`),
  value: Buffer.alloc(valueBytes),
  timestamp: i,
});

describe('chunkMessages', () => {
  it('keeps every message, in order, in chunks under the byte budget', () => {
    const messages = Array.from({ length: 12_500 }, (_, i) => message(i, 90));
    const chunks = chunkMessages(messages, 512 * 1024);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(messages);
    for (const chunk of chunks) expect(chunk.reduce((n, m) => n + 24 + (m.key?.length ?? 0) + (m.value?.length ?? 0), 0)).toBeLessThanOrEqual(512 * 1024);
  });

  it('sends a message bigger than the budget alone, and nothing for no messages', () => {
    expect(chunkMessages([message(0, 10), message(1, 2_000), message(2, 10)], 1_000).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(chunkMessages([])).toEqual([]);
  });
});

describe('chunkMessages by count', () => {
  it('caps a chunk at maxMessages', () => {
    const messages = Array.from({ length: 2_500 }, (_, i) => message(i, 1));
    expect(chunkMessages(messages, 1 << 30, 1_000).map((c) => c.length)).toEqual([1_000, 1_000, 500]);
  });
});
