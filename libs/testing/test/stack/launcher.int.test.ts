import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StackError } from '../../src/stack/errors.js';
import { KafkaBroker } from '../../src/stack/kafka-broker.js';
import { freePort, isListening } from '../../src/stack/ports.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'launcher-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Kafka launcher failures', () => {
  it('refuses a client port that another program holds, naming it', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const error = (await KafkaBroker.start({ dir: tempDir(), port, lifetime: 'tied' }).catch((e: unknown) => e)) as StackError;
      expect(error).toBeInstanceOf(StackError);
      expect(error.code).toBe('PORT_IN_USE');
      expect(error.message).toContain(`port ${port} (Kafka client listener)`);
    } finally {
      squatter.close();
    }
  });

  it('reports a broker that does not answer in time with the last lines of its log, and stops it', async () => {
    const port = await freePort();
    const error = (await KafkaBroker.start({ dir: tempDir(), port, lifetime: 'tied', startTimeoutMs: 1 }).catch(
      (e: unknown) => e,
    )) as StackError;
    expect(error).toBeInstanceOf(StackError);
    // Compared with the message so that a different failure shows what it was.
    expect({ code: error.code, message: error.message }).toMatchObject({ code: 'KAFKA_START_TIMEOUT' });
    expect(error.message).toContain(`127.0.0.1:${port} did not answer within`);
    expect(error.message).toMatch(/last lines of .*broker\.log/);
    // The half-started broker was stopped, not left behind.
    expect(await isListening(port)).toBe(false);
  });
});
