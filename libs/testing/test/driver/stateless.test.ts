import { StreamsBuilder, json, string, float64, type Headers } from '@tributary/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../src/index.js';

const S = { key: string(), value: string() };
const J = <T>() => ({ key: string(), value: json<T>() });

let driver: TopologyTestDriver | undefined;
afterEach(() => {
  driver?.close();
  driver = undefined;
});

function run(build: (b: StreamsBuilder) => void, options: ConstructorParameters<typeof TopologyTestDriver>[1] = {}): TopologyTestDriver {
  const b = new StreamsBuilder();
  build(b);
  driver = new TopologyTestDriver(b.build(), options);
  return driver;
}

describe('stateless operators', () => {
  it('stream → to copies records with their keys, values, timestamps and headers', async () => {
    const d = run((b) => b.stream('in', S).to('out'));
    const input = d.createInputTopic('in', S);
    const output = d.createOutputTopic('out', S);
    await input.pipeInput('k1', 'v1', 1_000, { trace: 'abc' });
    await input.pipeInput('k2', 'v2', 2_000);
    const records = output.readRecordsToList();
    expect(records).toEqual([
      { key: 'k1', value: 'v1', timestamp: 1_000, headers: { trace: Buffer.from('abc') }, partition: 0 },
      { key: 'k2', value: 'v2', timestamp: 2_000, headers: {}, partition: 0 },
    ]);
    expect(output.isEmpty()).toBe(true);
  });

  it('map changes key and value', async () => {
    const d = run((b) =>
      b
        .stream('in', J<{ n: number }>())
        .map((k, v) => [`${k}!`, v.n * 10] as const)
        .to('out', { key: string(), value: float64() }),
    );
    const input = d.createInputTopic('in', J<{ n: number }>());
    await input.pipeKeyValueList([
      ['a', { n: 1 }],
      ['b', { n: 2 }],
    ]);
    expect(d.createOutputTopic('out', { key: string(), value: float64() }).readKeyValuesToList()).toEqual([
      ['a!', 10],
      ['b!', 20],
    ]);
  });
});
