import { StreamsBuilder, string, json } from '@tributary/streams';
import { afterEach } from 'vitest';
import { TopologyTestDriver, type TopologyTestDriverOptions } from '../../src/index.js';

export const S = { key: string(), value: string() };
export const J = <T>() => ({ key: string(), value: json<T>() });

const open: TopologyTestDriver[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

/** Builds a topology with `build` and starts a driver on it (closed after the test). */
export function drive(build: (b: StreamsBuilder) => void, options: TopologyTestDriverOptions = {}): TopologyTestDriver {
  const b = new StreamsBuilder();
  build(b);
  const driver = new TopologyTestDriver(b.build(), options);
  open.push(driver);
  return driver;
}

/** Header values as text, for assertions. */
export function headerText(headers: Record<string, Buffer | string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === undefined ? '' : v.toString()]));
}
