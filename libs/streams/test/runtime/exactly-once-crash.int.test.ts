import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { AppProcess } from './app-process.js';
import { InputGenerator, committedTotal, expectExactOutputs, rng, waitForCommitted } from './running-totals-check.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';

// Verification reads with read_committed through the same fixed filter the runtime uses (see src/kafka/kafkajs.ts).
const { Kafka, logLevel } = kafkajs();

const { KAFKA_BOOTSTRAP } = stackEndpoints();
const kafka = new Kafka({ clientId: 'crash-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
beforeAll(async () => await admin.connect());
afterAll(async () => await admin.disconnect());

const PARTITIONS = 8;
const RECORDS = 100_000;

describe('exactly-once under SIGKILL', () => {
  it(`keeps per-key running totals exact over ${RECORDS} records and ${PARTITIONS} partitions while the app is killed again and again`, async () => {
    const id = randomUUID().slice(0, 8);
    const input = `crash-in-${id}`;
    const output = `crash-out-${id}`;
    const applicationId = `crash-${id}`;
    await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
    const seed = Number.parseInt(id, 16);
    const generator = new InputGenerator(kafka, input, seed, 400);
    // A backlog up front (so every kill lands mid-stream), the rest produced while the app is being killed.
    await generator.produce(80_000);
    const flowing = (async () => {
      for (let done = 80_000; done < RECORDS; done += 2_000) {
        await generator.produce(2_000);
        await sleep(2_000);
      }
    })();
    const env = { KAFKA_BOOTSTRAP, APPLICATION_ID: applicationId, INPUT_TOPIC: input, OUTPUT_TOPIC: output };

    // Kill at random moments: a third of the rounds while the app restores
    // its store from the changelog, the rest mid-stream.
    const random = rng(seed ^ 0x5eed);
    const kills = { total: 0, midStream: 0, duringRestore: 0 };
    const progress: number[] = [];
    for (let round = 0; round < 10; round++) {
      const app = new AppProcess('running-totals-app.ts', env);
      if (round % 3 === 1) {
        // Kill mid-restore: as soon as the app reports it is reading a changelog.
        const by = Date.now() + 60_000;
        while (!app.restoring && !app.ready && Date.now() < by) await sleep(5);
        if (app.restoring && !app.ready) kills.duringRestore += 1;
      } else {
        // Mid-stream: once this instance has committed something, at a random moment after.
        const before = progress[progress.length - 1] ?? 0;
        const by = Date.now() + 90_000;
        let now = before;
        while (Date.now() < by && now <= before && now < RECORDS) {
          await sleep(100);
          now = await committedTotal(admin, applicationId, input);
        }
        await sleep(Math.floor(random() * 600));
        if (app.ready) kills.midStream += 1;
      }
      app.kill('SIGKILL');
      await app.exited;
      kills.total += 1;
      const done = await committedTotal(admin, applicationId, input);
      progress.push(done);
      if (done >= RECORDS) break;
    }
    await flowing;
    expect(generator.produced).toBe(RECORDS);
    // Then let one instance finish the input.
    const last = new AppProcess('running-totals-app.ts', env);
    const readyBy = Date.now() + 60_000;
    while (!last.ready && Date.now() < readyBy) await sleep(100);
    const done = await waitForCommitted(admin, applicationId, input, RECORDS, 240_000);
    // A clean stop (SIGTERM) commits, leaves the group and exits 0.
    last.kill('SIGTERM');
    const code = await last.exited;
    expect(done, `input not fully processed; last log:\n${last.tail()}`).toBe(RECORDS);
    expect(code, last.tail()).toBe(0);
    expect(kills.midStream).toBeGreaterThanOrEqual(3);
    expect(kills.duringRestore).toBeGreaterThanOrEqual(1);

    await expectExactOutputs(kafka, output, generator.amounts);
    console.log(
      `crash test: ${kills.total} SIGKILLs (${kills.duringRestore} during restore, ${kills.midStream} mid-stream); committed input after each kill: ${progress.join(', ')}`,
    );
  }, 600_000);
});
