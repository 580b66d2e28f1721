import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../src/stack/schema-registry.js';
import { stackEndpoints } from '../../src/vitest/endpoints.js';

const endpoints = stackEndpoints();
const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schema registry storage', () => {
  it('keeps registered schemas across a registry restart (kafkasql storage)', async () => {
    const topicPrefix = `restart-${randomUUID().slice(0, 8)}-`;
    const subject = `orders-${randomUUID()}-value`;
    const schema = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] });

    const first = await SchemaRegistry.start({ dir, port: 0, kafkaBootstrap: endpoints.KAFKA_BOOTSTRAP, lifetime: 'tied', topicPrefix });
    let id: number;
    try {
      const response = await fetch(`${first.url}/subjects/${subject}/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema }),
      });
      expect(response.status).toBe(200);
      id = ((await response.json()) as { id: number }).id;
    } finally {
      await first.stop();
    }
    expect(first.process.running).toBe(false);

    const second = await SchemaRegistry.start({ dir, port: 0, kafkaBootstrap: endpoints.KAFKA_BOOTSTRAP, lifetime: 'tied', topicPrefix });
    try {
      const subjects = (await (await fetch(`${second.url}/subjects`)).json()) as string[];
      expect(subjects).toContain(subject);
      const latest = (await (await fetch(`${second.url}/subjects/${subject}/versions/latest`)).json()) as { id: number; schema: string };
      expect(latest.id).toBe(id);
      expect(JSON.parse(latest.schema)).toEqual(JSON.parse(schema));
    } finally {
      await second.stop();
    }
  });
});
