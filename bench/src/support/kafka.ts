/** A Kafka broker for benchmarks: `KAFKA_BOOTSTRAP` if set, else a single local broker started for the run. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KafkaBroker } from '@tributary/testing';

export interface BenchKafka {
  readonly bootstrap: string;
  close(): Promise<void>;
}

export async function benchKafka(log: (line: string) => void = (l) => console.error(l)): Promise<BenchKafka> {
  const bootstrap = process.env['KAFKA_BOOTSTRAP'];
  if (bootstrap !== undefined && bootstrap !== '') return { bootstrap, close: async () => undefined };
  log('bench: KAFKA_BOOTSTRAP not set; starting a local Kafka broker for this run…');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-kafka-'));
  const broker = await KafkaBroker.start({ dir, port: 0, lifetime: 'tied', heap: '1g' });
  log(`bench: Kafka ${broker.version} ready at ${broker.bootstrap}`);
  return {
    bootstrap: broker.bootstrap,
    close: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
