/** A schema registry for benchmarks: `SCHEMA_REGISTRY_URL` if set, else a local stack started for the run. */
import { startLocalStack } from '@tributary/testing';

export interface BenchRegistry {
  readonly url: string;
  close(): Promise<void>;
}

export async function benchRegistry(log: (line: string) => void = (l) => console.error(l)): Promise<BenchRegistry> {
  const url = process.env['SCHEMA_REGISTRY_URL'];
  if (url !== undefined && url !== '') return { url, close: async () => undefined };
  log('bench: SCHEMA_REGISTRY_URL not set; starting a local stack (Kafka + registry) for this run…');
  const stack = await startLocalStack({ log: (line) => log(`stack: ${line}`) });
  return { url: stack.endpoints.SCHEMA_REGISTRY_URL, close: () => stack.stop() };
}
