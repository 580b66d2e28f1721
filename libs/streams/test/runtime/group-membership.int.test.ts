import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../../testing/src/vitest/endpoints.js';
import { AppProcess } from './app-process.js';
import { InputGenerator, expectExactOutputs, waitForCommitted } from './running-totals-check.js';
import { kafkajs } from '../../src/kafka/kafkajs.js';

// Verification reads with read_committed through the same fixed filter the runtime uses (see src/kafka/kafkajs.ts).
const { Kafka, logLevel } = kafkajs();

const { KAFKA_BOOTSTRAP } = stackEndpoints();
const kafka = new Kafka({ clientId: 'membership-test', brokers: [KAFKA_BOOTSTRAP], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
beforeAll(async () => await admin.connect());
afterAll(async () => await admin.disconnect());

const PARTITIONS = 8;

async function setup(name: string): Promise<{ env: Record<string, string>; generator: InputGenerator; input: string; output: string; applicationId: string }> {
  const id = randomUUID().slice(0, 8);
  const input = `${name}-in-${id}`;
  const output = `${name}-out-${id}`;
  const applicationId = `${name}-${id}`;
  await admin.createTopics({ topics: [input, output].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
  const generator = new InputGenerator(kafka, input, Number.parseInt(id, 16), 300);
  return { env: { KAFKA_BOOTSTRAP, APPLICATION_ID: applicationId, INPUT_TOPIC: input, OUTPUT_TOPIC: output }, generator, input, output, applicationId };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Produces `total` records in chunks with pauses, so they flow while the test acts. */
async function trickle(generator: InputGenerator, total: number, chunk: number, pauseMs: number): Promise<void> {
  for (let done = 0; done < total; done += chunk) {
    await generator.produce(Math.min(chunk, total - done), chunk);
    await sleep(pauseMs);
  }
}

describe('instances joining, leaving and freezing', () => {
  it('fences a frozen instance (SIGSTOP) whose partitions moved: its late writes are refused and the output stays exact', async () => {
    const { env, generator, input, output, applicationId } = await setup('zombie');
    await generator.produce(20_000);
    const a = new AppProcess('running-totals-app.ts', env);
    const b = new AppProcess('running-totals-app.ts', env);
    try {
      await until(() => a.tasks.length > 0 && b.tasks.length > 0 && a.tasks.length + b.tasks.length === PARTITIONS, 90_000, 'both instances to share the tasks');
      const flowing = trickle(generator, 30_000, 2_000, 150);
      await sleep(500);
      const frozenTasks = [...a.tasks];
      a.child.kill('SIGSTOP');
      // After the session timeout the group moves a's tasks to b, whose producers fence a's.
      await until(() => b.tasks.length === PARTITIONS, 90_000, 'b to take over every task');
      await sleep(2_000);
      a.child.kill('SIGCONT');
      await flowing;
      const done = await waitForCommitted(admin, applicationId, input, generator.produced, 180_000);
      expect(done).toBe(generator.produced);
      // The zombie tried to commit its frozen work and was refused.
      await until(() => /fenced/.test(a.log.join('')), 30_000, 'the zombie to report being fenced').catch(() => undefined);
      expect(a.log.join(''), `a had tasks ${frozenTasks.join(',')}`).toMatch(/fenced by another instance/);
      const stopped = await Promise.all([a.stop(), b.stop()]);
      expect(stopped).toEqual([
        { code: 0, killed: false },
        { code: 0, killed: false },
      ]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- a:\n${a.tail(40)}\n--- b:\n${b.tail(40)}`);
    } finally {
      await Promise.all([a.stop(5_000), b.stop(5_000)]);
    }
    await expectExactOutputs(kafka, output, generator.amounts);
  }, 400_000);

  it('moves state when a second instance joins mid-stream and later leaves, with exact output', async () => {
    const { env, generator, input, output, applicationId } = await setup('scale');
    await generator.produce(20_000);
    const a = new AppProcess('running-totals-app.ts', env);
    let b: AppProcess | undefined;
    try {
      await until(() => a.ready && a.tasks.length === PARTITIONS, 90_000, 'a to run every task');
      const flowing = trickle(generator, 30_000, 2_000, 200);
      await sleep(1_000);
      b = new AppProcess('running-totals-app.ts', env);
      const second = b;
      // Scale out: b restores the stores of the tasks it takes from their changelogs.
      await until(() => second.tasks.length > 0 && a.tasks.length + second.tasks.length === PARTITIONS, 90_000, 'the tasks to be split');
      expect(second.log.join('')).toContain('restoring');
      await sleep(3_000);
      // Scale in: b leaves cleanly; a takes its tasks back.
      second.kill('SIGTERM');
      expect(await second.exited, second.tail()).toBe(0);
      await until(() => a.tasks.length === PARTITIONS, 90_000, 'a to take every task back');
      await flowing;
      const done = await waitForCommitted(admin, applicationId, input, generator.produced, 180_000);
      expect(done).toBe(generator.produced);
    } finally {
      expect(await a.stop(), a.tail(40)).toEqual({ code: 0, killed: false });
      await b?.stop();
    }
    await expectExactOutputs(kafka, output, generator.amounts);
  }, 400_000);
});
