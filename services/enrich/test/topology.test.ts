import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, bytes, string, type Headers } from '@tributary/streams';
import { TopologyTestDriver } from '@tributary/testing';
import type { EnrichedReading } from '@tributary/schemas';
import { CONTAINERS_STORE, DEFAULT_ENRICH_TOPICS, buildTopology, type EnrichTopologyOptions } from '../src/index.js';
import { T0, reading, reference, serdes } from './fixtures.js';

const APP = 'coldchain-enrich';
const { input: READINGS, reference: CONTAINERS, output: ENRICHED } = DEFAULT_ENRICH_TOPICS;

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function start(options: Partial<EnrichTopologyOptions> = {}) {
  driver = new TopologyTestDriver(buildTopology({ serdes, ...options }), { applicationId: APP });
  const topics = { ...DEFAULT_ENRICH_TOPICS, ...options.topics };
  return {
    driver,
    readings: driver.createInputTopic(topics.input, { key: string(), value: serdes.reading }),
    containers: driver.createInputTopic(topics.reference, { key: string(), value: serdes.reference }),
    enriched: driver.createOutputTopic(topics.output, { key: string(), value: serdes.enriched }),
    dlq: driver.createOutputTopic(`${APP}.dlq`, { key: bytes(), value: bytes() }),
  };
}

const header = (headers: Headers, name: string): string | undefined => headers[name]?.toString();

describe('enrich topology', () => {
  it('joins a reading with its container: cargo class, setpoint, tolerance and deviation from the setpoint', async () => {
    const t = start();
    await t.containers.pipeInput('MSKU1234565', reference('MSKU1234565', { cargoClass: 'PHARMA', setpointC: 5, toleranceC: 2.5 }));
    const r = reading('MSKU1234565', { temperatureC: 6.75, doorOpen: true });
    await t.readings.pipeInput('MSKU1234565', r, T0 + 250);

    const [out, ...rest] = t.enriched.readRecordsToList();
    expect(rest).toEqual([]);
    expect(out?.key).toBe('MSKU1234565');
    expect(out?.timestamp).toBe(T0 + 250); // the reading's record timestamp is kept
    expect(out?.value).toEqual<EnrichedReading>({
      ...r,
      matched: true,
      cargoClass: 'PHARMA',
      setpointC: 5,
      toleranceC: 2.5,
      deviationC: 1.75,
    });
    expect(t.dlq.isEmpty()).toBe(true);
  });

  it('deviationC is temperatureC − setpointC, negative below the setpoint', async () => {
    const t = start();
    await t.containers.pipeInput('C1', reference('C1', { setpointC: -18 }));
    await t.readings.pipeInput('C1', reading('C1', { temperatureC: -19.25 }));
    expect(t.enriched.readValue().deviationC).toBe(-1.25);
  });

  it('UNMATCHED=pass (the default): an unknown container passes with matched=false and null reference fields', async () => {
    const t = start();
    await t.containers.pipeInput('OTHER', reference('OTHER'));
    const r = reading('UNKNOWN1');
    await t.readings.pipeInput('UNKNOWN1', r);

    expect(t.enriched.readKeyValuesToList()).toEqual([
      ['UNKNOWN1', { ...r, matched: false, cargoClass: null, setpointC: null, toleranceC: null, deviationC: null }],
    ]);
    expect(t.dlq.isEmpty()).toBe(true);
  });

  it('UNMATCHED=dlq: an unknown container goes to coldchain-enrich.dlq untouched, with the reason; matched readings still pass', async () => {
    const t = start({ unmatched: 'dlq' });
    await t.containers.pipeInput('KNOWN', reference('KNOWN'));
    const unknown = reading('UNKNOWN1', { temperatureC: 4 });
    await t.readings.pipeInput('UNKNOWN1', unknown, T0 + 7, { 'trace-id': 'abc' });
    await t.readings.pipeInput('KNOWN', reading('KNOWN'));

    expect(t.enriched.readValuesToList().map((v) => [v.containerId, v.matched])).toEqual([['KNOWN', true]]);
    const [dead, ...more] = t.dlq.readRecordsToList();
    expect(more).toEqual([]);
    expect(dead?.key.toString()).toBe('UNKNOWN1');
    expect(dead?.value).toEqual(serdes.reading.serialize(unknown, { topic: READINGS, isKey: false })); // the consumed bytes, untouched
    expect(dead?.timestamp).toBe(T0 + 7);
    const headers = dead?.headers ?? {};
    expect(header(headers, 'trace-id')).toBe('abc');
    expect(header(headers, DLQ_HEADERS.topic)).toBe(READINGS);
    expect(header(headers, DLQ_HEADERS.offset)).toBe('0');
    expect(header(headers, DLQ_HEADERS.errorClass)).toBe('UnmatchedReadingError');
    expect(header(headers, DLQ_HEADERS.errorCode)).toBe('UNMATCHED_REFERENCE');
    expect(header(headers, DLQ_HEADERS.errorMessage)).toBe('no reference record for container "UNKNOWN1" in coldchain.containers (UNMATCHED=dlq)');
  });

  it('a reference update applies to the readings after it; earlier outputs keep the old values', async () => {
    const t = start();
    await t.containers.pipeInput('C1', reference('C1', { cargoClass: 'CHILLED', setpointC: 2, toleranceC: 1 }));
    await t.readings.pipeInput('C1', reading('C1', { temperatureC: 3 }));
    await t.containers.pipeInput('C1', reference('C1', { cargoClass: 'PRODUCE', setpointC: 10, toleranceC: 3 }));
    await t.readings.pipeInput('C1', reading('C1', { temperatureC: 3 }));

    expect(t.enriched.readValuesToList().map((v) => [v.cargoClass, v.setpointC, v.toleranceC, v.deviationC])).toEqual([
      ['CHILLED', 2, 1, 1],
      ['PRODUCE', 10, 3, -7],
    ]);
    expect(t.driver.getKeyValueStore<string, { setpointC: number }>(CONTAINERS_STORE).get('C1')?.setpointC).toBe(10);
  });

  it('a tombstone on the reference topic deletes the container: later readings are unmatched (pass) or dead-lettered (dlq)', async () => {
    for (const unmatched of ['pass', 'dlq'] as const) {
      const t = start({ unmatched });
      await t.containers.pipeInput('C1', reference('C1'));
      await t.readings.pipeInput('C1', reading('C1'));
      await t.containers.pipeInput('C1', null);
      expect(t.driver.getKeyValueStore(CONTAINERS_STORE).get('C1')).toBeUndefined();
      await t.readings.pipeInput('C1', reading('C1'));

      const matched = t.enriched.readValuesToList().map((v) => v.matched);
      if (unmatched === 'pass') {
        expect(matched).toEqual([true, false]);
        expect(t.dlq.isEmpty()).toBe(true);
      } else {
        expect(matched).toEqual([true]);
        expect(t.dlq.readRecordsToList().map((r) => header(r.headers, DLQ_HEADERS.errorCode))).toEqual(['UNMATCHED_REFERENCE']);
      }
      t.driver.close();
    }
  });

  it('looks the container up by the reading’s containerId and keys the output by it, whatever the record key', async () => {
    const t = start();
    await t.containers.pipeInput('C1', reference('C1'));
    await t.readings.pipeInput(null, reading('C1'));
    await t.readings.pipeInput('wrong-key', reading('C1'));
    expect(t.enriched.readKeyValuesToList().map(([k, v]) => [k, v.matched])).toEqual([
      ['C1', true],
      ['C1', true],
    ]);
  });

  it('dead-letters a reading tombstone and an undecodable reading, and goes on', async () => {
    const t = start();
    await t.containers.pipeInput('C1', reference('C1'));
    await t.readings.pipeInput('C1', null);
    await t.readings.pipeRaw(Buffer.from('C1'), Buffer.from('{"not":"avro"}'));
    await t.readings.pipeInput('C1', reading('C1'));

    expect(t.dlq.readRecordsToList().map((r) => [header(r.headers, DLQ_HEADERS.errorClass), header(r.headers, DLQ_HEADERS.errorCode)])).toEqual([
      ['MissingReadingError', 'MISSING_VALUE'],
      ['DeserializationError', 'DESERIALIZATION'],
    ]);
    expect(t.enriched.readValuesToList().map((v) => v.matched)).toEqual([true]);
  });

  it('reads and writes the configured topics', async () => {
    const topics = { input: 'fleet.readings', reference: 'fleet.containers', output: 'fleet.enriched' };
    const t = start({ topics });
    expect(t.readings.topic).toBe('fleet.readings');
    await t.containers.pipeInput('C1', reference('C1'));
    await t.readings.pipeInput('C1', reading('C1'));
    expect(t.enriched.topic).toBe('fleet.enriched');
    expect(t.enriched.readValue().matched).toBe(true);
    expect(() => t.driver.createInputTopic(READINGS, { key: string(), value: serdes.reading })).toThrow(/does not read topic "coldchain.readings"/);
    expect(() => t.driver.createOutputTopic(ENRICHED, { key: string(), value: serdes.enriched })).toThrow(/does not write topic/);
  });

  it('reports each join as matched or not (onJoin), for metrics', async () => {
    const results: boolean[] = [];
    const t = start({ onJoin: (matched) => results.push(matched) });
    await t.containers.pipeInput('C1', reference('C1'));
    await t.readings.pipeInput('C1', reading('C1'));
    await t.readings.pipeInput('C2', reading('C2'));
    expect(results).toEqual([true, false]);
  });

  it('holds the reference topic in the global store `containers` and reads no other state', () => {
    const topology = buildTopology({ serdes });
    expect([...topology.globalStores.keys()]).toEqual([CONTAINERS_STORE]);
    expect(topology.globalStores.get(CONTAINERS_STORE)?.topic).toBe(CONTAINERS);
    expect([...topology.stores.keys()]).toEqual([]);
    expect(topology.repartitionTopics).toEqual([]);
  });
});
