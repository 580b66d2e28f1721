import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBroker } from '../../../testing/src/stack/kafka-broker.js';
import { freePort } from '../../../testing/src/stack/ports.js';
import { AppProcess } from './app-process.js';
import { InputGenerator, committedTotal, expectExactOutputs, waitForCommitted } from './running-totals-check.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';

// Verification reads with read_committed through the same fixed filter the runtime uses (see src/kafka/kafkajs.ts).
const { Kafka, logLevel } = kafkajs();

// This test stops and restarts a broker, so it runs its own rather than the shared one.
const dir = mkdtempSync(path.join(os.tmpdir(), 'outage-broker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('broker outage', () => {
  it('pauses while the broker is down and resumes when it is back, with nothing lost or doubled', async () => {
    const port = await freePort();
    let broker = await KafkaBroker.start({ dir, port, lifetime: 'tied' });
    const kafka = new Kafka({ clientId: 'outage-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const input = 'outage-in';
    const output = 'outage-out';
    const applicationId = 'outage-app';
    await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: 4 })), waitForLeaders: true });
    const generator = new InputGenerator(kafka, input, 0x0da7a, 200);
    await generator.produce(100_000);
    const app = new AppProcess('running-totals-app.ts', {
      KAFKA_BOOTSTRAP: broker.bootstrap,
      APPLICATION_ID: applicationId,
      INPUT_TOPIC: input,
      OUTPUT_TOPIC: output,
    });
    try {
      const deadline = Date.now() + 90_000;
      while (!app.ready && Date.now() < deadline) await sleep(50);
      expect(app.ready, app.tail()).toBe(true);
      // Stop the broker mid-stream.
      while ((await committedTotal(admin, applicationId, input)) === 0) await sleep(20);
      console.log(`broker outage: stopped with ${await committedTotal(admin, applicationId, input)} of ${generator.produced} inputs committed`);
      await admin.disconnect();
      await broker.stop();
      const atOutage = app.log.length;
      await sleep(8_000);
      expect(app.child.exitCode, `the app died during the outage:\n${app.tail(30)}`).toBeNull();

      broker = await KafkaBroker.start({ dir, port, lifetime: 'tied' });
      await admin.connect();
      await generator.produce(10_000);
      const done = await waitForCommitted(admin, applicationId, input, generator.produced, 180_000);
      expect(done, app.tail(30)).toBe(generator.produced);
      // The outage was noticed (retries logged), not silently skipped.
      expect(app.log.slice(atOutage).join('')).toMatch(/retrying|crashed|rebalancing/);
      const stopped = await app.stop();
      expect(stopped, app.tail(30)).toEqual({ code: 0, killed: false });
      await expectExactOutputs(kafka, output, generator.amounts);
    } finally {
      await app.stop(5_000);
      await admin.disconnect().catch(() => undefined);
      await broker.stop();
    }
  }, 400_000);
});
