/**
 * The lag exporter against the real broker: exact lag per partition from
 * committed offsets and watermarks, members while a consumer runs and after
 * it stopped, a group with nothing committed, a deleted group's series
 * removed, and `main.ts` serving it over HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceProcess, createTopics, kafkaClient, produce } from '@tributary/testing';
import { stackEndpoints } from '@tributary/testing/vitest';
import { GroupLagPoller } from '../src/poller.js';

const endpoints = stackEndpoints();
const kafka = kafkaClient(endpoints.KAFKA_BOOTSTRAP);
const admin = kafka.admin();
const PARTITIONS = 3;

beforeAll(async () => {
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
});

const uniqueId = (): string => randomUUID().slice(0, 8);

/** Produces `count` records spread over the partitions by key. */
async function produceRecords(topic: string, count: number): Promise<void> {
  await produce(
    kafka,
    topic,
    Array.from({ length: count }, (_, i) => ({ key: `key-${i}-${uniqueId()}`, value: Buffer.from(String(i)) })),
  );
}

async function highWatermarks(topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
}

/** A group member that commits nothing by itself; resolves once it has its assignment. */
async function joinGroup(groupId: string, topic: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 6_000, heartbeatInterval: 500 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  await joined;
  return consumer;
}

async function gaugeValues(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name) as { values?: { labels: Record<string, string | number>; value: number }[] } | undefined;
  return metric?.values ?? [];
}

/** `{partition: lag}` of one group and topic, as exported. */
async function exportedLag(registry: Registry, group: string, topic: string): Promise<Record<string, number>> {
  const lags: Record<string, number> = {};
  for (const v of await gaugeValues(registry, 'tributary_group_lag')) if (v.labels.group === group && v.labels.topic === topic) lags[String(v.labels.partition)] = v.value;
  return lags;
}

async function exportedMembers(registry: Registry, group: string): Promise<number | undefined> {
  return (await gaugeValues(registry, 'tributary_group_members')).find((v) => v.labels.group === group)?.value;
}

const byPartition = (entries: Iterable<[number, bigint]>): Record<string, number> => Object.fromEntries([...entries].map(([p, n]) => [String(p), Number(n)]));

describe('lag exporter', () => {
  it('exports the exact remainder per partition while a member runs, keeps exporting it (growing) after the member stopped, and counts members', async () => {
    const id = uniqueId();
    const topic = `lag.${id}`;
    const group = `lag-group-${id}`;
    await createTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
    await produceRecords(topic, 60);
    const high = await highWatermarks(topic);
    expect([...high.values()].reduce((a, b) => a + b, 0n)).toBe(60n);

    const consumer = await joinGroup(group, topic);
    // Commits a different part of each partition: a third, rounded down, plus the partition number.
    const committed = new Map([...high].map(([p, h]) => [p, h / 3n + BigInt(Math.min(p, Number(h / 3n)))]));
    await consumer.commitOffsets([...committed].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() })));

    const registry = new Registry();
    const poller = new GroupLagPoller({ kafka: { brokers: [endpoints.KAFKA_BOOTSTRAP] }, groups: [group], registry });
    try {
      const [polled] = await poller.poll();
      expect(polled?.state).toBe('Stable');
      expect(await exportedMembers(registry, group)).toBe(1);
      expect(await exportedLag(registry, group, topic)).toEqual(byPartition([...high].map(([p, h]) => [p, h - (committed.get(p) ?? 0n)])));
      expect(poller.ready).toBe(true);

      await consumer.disconnect();
      await poller.poll();
      expect(await exportedMembers(registry, group)).toBe(0);
      expect(await exportedLag(registry, group, topic)).toEqual(byPartition([...high].map(([p, h]) => [p, h - (committed.get(p) ?? 0n)])));

      await produceRecords(topic, 30);
      const higher = await highWatermarks(topic);
      await poller.poll();
      const grown = await exportedLag(registry, group, topic);
      expect(grown).toEqual(byPartition([...higher].map(([p, h]) => [p, h - (committed.get(p) ?? 0n)])));
      expect(Object.values(grown).reduce((a, b) => a + b, 0)).toBe(90 - Number([...committed.values()].reduce((a, b) => a + b, 0n)));
    } finally {
      await consumer.disconnect();
      await poller.stop();
    }
  });

  it('counts everything as lag for a group that committed nothing, and drops a deleted group from the series', async () => {
    const id = uniqueId();
    const topic = `lag.${id}`;
    const fresh = `lag-fresh-${id}`;
    const deleted = `lag-deleted-${id}`;
    await createTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
    await produceRecords(topic, 45);
    const high = await highWatermarks(topic);

    // A group that committed and left: its offsets keep it listed until it is deleted.
    await admin.setOffsets({ groupId: deleted, topic, partitions: [...high.keys()].map((partition) => ({ partition, offset: '5' })) });
    const consumer = await joinGroup(fresh, topic);
    const registry = new Registry();
    // Every non-internal group: the deleted one is found by listing, as in a default deployment.
    const poller = new GroupLagPoller({ kafka: { brokers: [endpoints.KAFKA_BOOTSTRAP] }, registry });
    try {
      const groups = await poller.poll();
      expect(groups.map((g) => g.group)).toEqual(expect.arrayContaining([fresh, deleted]));
      expect(groups.some((g) => g.group.startsWith('_'))).toBe(false);
      expect(await exportedMembers(registry, fresh)).toBe(1);
      expect(await exportedLag(registry, fresh, topic)).toEqual(byPartition(high));
      expect(await exportedMembers(registry, deleted)).toBe(0);
      expect(await exportedLag(registry, deleted, topic)).toEqual(byPartition([...high].map(([p, h]) => [p, h - 5n])));

      await admin.deleteGroups([deleted]);
      await poller.poll();
      expect(await exportedLag(registry, deleted, topic)).toEqual({});
      expect(await exportedMembers(registry, deleted)).toBeUndefined();
      expect(await exportedLag(registry, fresh, topic)).toEqual(byPartition(high));
    } finally {
      await consumer.disconnect();
      await poller.stop();
    }
  });

  it('counts a failed poll and is not ready until one succeeded', async () => {
    const registry = new Registry();
    // Nothing listens on port 1.
    const poller = new GroupLagPoller({
      kafka: { brokers: ['127.0.0.1:1'], connectionTimeout: 200, retry: { retries: 0 } },
      groups: ['any'],
      registry,
    });
    try {
      await expect(poller.poll()).rejects.toThrow();
      expect(poller.ready).toBe(false);
      expect((await gaugeValues(registry, 'tributary_group_lag_poll_errors_total'))[0]?.value).toBe(1);
    } finally {
      await poller.stop();
    }
  });

  it('main.ts serves the lag on /metrics and /readyz answers 200 after the first poll', async () => {
    const id = uniqueId();
    const topic = `lag.${id}`;
    const group = `lag-main-${id}`;
    await createTopics(kafka, [{ topic, numPartitions: PARTITIONS }]);
    await produceRecords(topic, 30);
    const high = await highWatermarks(topic);
    await admin.setOffsets({ groupId: group, topic, partitions: [...high.keys()].map((partition) => ({ partition, offset: '2' })) });

    const exporter = new ServiceProcess({
      entry: 'services/lag-exporter/src/main.ts',
      env: { KAFKA_BROKERS: endpoints.KAFKA_BOOTSTRAP, GROUPS: group, POLL_INTERVAL_MS: '300', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info' },
    });
    try {
      const url = await exporter.ready(60_000);
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const [partition, h] of high) {
        const line = text.split('\n').find((l) => l.startsWith('tributary_group_lag{') && l.includes(`group="${group}"`) && l.includes(`partition="${partition}"`));
        expect(line, `lag of partition ${partition} in:\n${text}`).toBeDefined();
        expect(line).toContain('service="lag-exporter"');
        expect(Number(line?.split(' ').at(-1))).toBe(Number(h - 2n));
      }
      expect(text).toMatch(new RegExp(`tributary_group_members\\{[^}]*group="${group}"[^}]*\\} 0\\n`));
      expect(text).toContain('tributary_group_lag_poll_errors_total');
      expect(text).toContain('tributary_group_lag_poll_seconds_count');
      expect((await exporter.stop()).code).toBe(0);
    } finally {
      exporter.kill();
    }
  });
});
