import type { Kafka } from 'kafkajs';
import { avroSerde, type RegistryClient } from '@tributary/avro';
import { ContainerReferenceSchema, type ContainerReference } from '@tributary/schemas';
import { PIPELINE_TOPICS } from './topics.js';

/** Publishes container/cargo reference records (Avro, keyed by container id) to the compacted reference topic. */
export async function publishReferences(kafka: Kafka, registry: RegistryClient, references: readonly ContainerReference[], topic: string = PIPELINE_TOPICS.containers): Promise<void> {
  const serde = avroSerde(ContainerReferenceSchema, { registry });
  await serde.prepare(topic);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: await Promise.all(references.map(async (reference) => ({
        key: reference.containerId,
        value: await serde.serialize(reference, { topic, isKey: false }),
      }))),
    });
  } finally {
    await producer.disconnect();
  }
}
