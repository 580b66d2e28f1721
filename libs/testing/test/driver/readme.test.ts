import { StreamsBuilder, float64, string } from '@tributary/streams';
import { expect, it } from 'vitest';
import { TopologyTestDriver } from '../../src/index.js';

// The README's example, as written there.
it('the README example gives what it says', async () => {
  const builder = new StreamsBuilder();
  builder
    .stream('words', { key: string(), value: string() })
    .groupBy((_key, word) => word, { name: 'by-word' })
    .count({ store: 'word-counts' })
    .toStream()
    .to('counts', { key: string(), value: float64() });

  const driver = new TopologyTestDriver(builder.build());
  const words = driver.createInputTopic('words', { key: string(), value: string() });
  const counts = driver.createOutputTopic('counts', { key: string(), value: float64() });
  await words.pipeKeyValueList(
    [
      ['s1', 'kafka'],
      ['s2', 'streams'],
      ['s3', 'kafka'],
    ],
    1_000,
  );
  expect(counts.readKeyValuesToList()).toEqual([
    ['kafka', 1],
    ['streams', 1],
    ['kafka', 2],
  ]);
  expect(driver.getKeyValueStore<string, number>('word-counts').get('kafka')).toBe(2);
  expect(driver.changelog('word-counts').map((c) => [c.key, c.value])).toEqual([
    ['kafka', 1],
    ['streams', 1],
    ['kafka', 2],
  ]);
  expect(driver.createOutputTopic('test-app-by-word-repartition', { key: string(), value: string() }).size()).toBe(3);
  driver.close();
});
