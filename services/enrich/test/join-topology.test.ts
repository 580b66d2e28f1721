/**
 * ENRICH_MODE=join topology in the test driver, over the fraud schemas
 * (Payment ⟕ Cardholder → EnrichedPayment) with registry-free Avro serdes:
 * a value that does not fit the output schema fails here as in production.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, bytes, string } from '@tributary/streams';
import { TopologyTestDriver } from '@tributary/testing';
import { REFERENCE_STORE, buildJoinTopology, parseJoinFields, type GenericRecord, type JoinTopologyOptions } from '../src/index.js';
import { CardholderSchema, EnrichedPaymentSchema, PaymentSchema } from '@tributary/schemas';
import { avroBinarySerde } from './avro-binary-serde.js';
import { FRAUD_JOIN_FIELDS, T0, cardholder, fraudSerdes, payment, withFields } from './join-fixtures.js';

const APP = 'fraud-enrich';
const TOPICS = { input: 'fraud.payments', reference: 'fraud.cardholders', output: 'fraud.payments.enriched' };

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function start(options: Partial<JoinTopologyOptions> = {}) {
  const topology = buildJoinTopology({ serdes: fraudSerdes, topics: TOPICS, keyField: 'cardId', fields: parseJoinFields(FRAUD_JOIN_FIELDS), ...options });
  driver = new TopologyTestDriver(topology, { applicationId: APP });
  return {
    driver,
    // Typed serdes to pipe in (the same bytes the generic ones read).
    payments: driver.createInputTopic(TOPICS.input, { key: string(), value: avroBinarySerde(PaymentSchema) }),
    cardholders: driver.createInputTopic(TOPICS.reference, { key: string(), value: avroBinarySerde(CardholderSchema) }),
    enriched: driver.createOutputTopic(TOPICS.output, { key: string(), value: fraudSerdes.output }),
    dlq: driver.createOutputTopic(`${APP}.dlq`, { key: bytes(), value: bytes() }),
  };
}

describe('enrich join topology (ENRICH_MODE=join)', () => {
  it('copies the input record, sets matched and the JOIN_FIELDS from the reference record; keeps the timestamp', async () => {
    const t = start();
    await t.cardholders.pipeInput('C1', cardholder('C1', { creditLimit: 1200, riskSegment: 'HIGH', homeLat: 48.85, homeLon: 2.35 }));
    const p = payment('C1', { amount: 999.99, channel: 'ONLINE', lat: null, lon: null });
    await t.payments.pipeInput('C1', p, T0 + 17);

    const [out, ...rest] = t.enriched.readRecordsToList();
    expect(rest).toEqual([]);
    expect(out?.key).toBe('C1');
    expect(out?.timestamp).toBe(T0 + 17);
    expect({ ...out?.value }).toEqual({ ...p, matched: true, homeLat: 48.85, homeLon: 2.35, creditLimit: 1200, riskSegment: 'HIGH' });
    expect(t.dlq.isEmpty()).toBe(true);
  });

  it('UNMATCHED=pass (default): an unknown card passes with matched=false and null join fields', async () => {
    const t = start();
    await t.cardholders.pipeInput('C1', cardholder('C1'));
    const p = payment('UNKNOWN');
    await t.payments.pipeInput('UNKNOWN', p);
    expect(t.enriched.readKeyValuesToList().map(([k, v]) => [k, { ...v }])).toEqual([
      ['UNKNOWN', { ...p, matched: false, homeLat: null, homeLon: null, creditLimit: null, riskSegment: null }],
    ]);
  });

  it('UNMATCHED=dlq: an unknown card goes to <app>.dlq untouched with UNMATCHED_REFERENCE naming the key field', async () => {
    const t = start({ unmatched: 'dlq' });
    await t.cardholders.pipeInput('C1', cardholder('C1'));
    const p = payment('C9');
    await t.payments.pipeInput('C9', p);
    await t.payments.pipeInput('C1', payment('C1'));
    expect(t.enriched.readValuesToList().map((v) => [v['cardId'], v['matched']])).toEqual([['C1', true]]);
    const [dead, ...more] = t.dlq.readRecordsToList();
    expect(more).toEqual([]);
    expect(dead?.value).toEqual(avroBinarySerde(PaymentSchema).serialize(p, { topic: TOPICS.input, isKey: false }));
    expect(dead?.headers[DLQ_HEADERS.errorClass]?.toString()).toBe('UnmatchedReferenceError');
    expect(dead?.headers[DLQ_HEADERS.errorCode]?.toString()).toBe('UNMATCHED_REFERENCE');
    expect(dead?.headers[DLQ_HEADERS.errorMessage]?.toString()).toBe('no reference record for cardId="C9" in fraud.cardholders (UNMATCHED=dlq)');
  });

  it('renamed fields (outName=field); reference updates and tombstones apply to later records; the store is named reference', async () => {
    const renamedSchema = withFields(EnrichedPaymentSchema.schema, (fields) => fields.map((f) => (f.name === 'creditLimit' ? { ...f, name: 'limit' } : f)));
    const serdes = { ...fraudSerdes, output: avroBinarySerde<GenericRecord>({ schema: renamedSchema }) };
    const t = start({ serdes, fields: parseJoinFields('homeLat,homeLon,limit=creditLimit,riskSegment') });
    const enriched = t.driver.createOutputTopic(TOPICS.output, { key: string(), value: serdes.output });
    await t.cardholders.pipeInput('C1', cardholder('C1', { creditLimit: 100 }));
    await t.payments.pipeInput('C1', payment('C1', { paymentId: 'a' }));
    await t.cardholders.pipeInput('C1', cardholder('C1', { creditLimit: 300 }));
    expect(t.driver.getKeyValueStore<string, GenericRecord>(REFERENCE_STORE).get('C1')?.['creditLimit']).toBe(300);
    await t.payments.pipeInput('C1', payment('C1', { paymentId: 'b' }));
    await t.cardholders.pipeInput('C1', null);
    expect(t.driver.getKeyValueStore(REFERENCE_STORE).get('C1')).toBeUndefined();
    await t.payments.pipeInput('C1', payment('C1', { paymentId: 'c' }));
    expect(enriched.readValuesToList().map((v) => [v['paymentId'], v['matched'], v['limit'], 'creditLimit' in v])).toEqual([
      ['a', true, 100, false],
      ['b', true, 300, false],
      ['c', false, null, false],
    ]);
  });

  it('looks the reference up by JOIN_KEY_FIELD and keys the output by it, whatever the record key', async () => {
    const t = start();
    await t.cardholders.pipeInput('C1', cardholder('C1'));
    await t.payments.pipeInput(null, payment('C1'));
    await t.payments.pipeInput('wrong-key', payment('C1'));
    expect(t.enriched.readKeyValuesToList().map(([k, v]) => [k, v['matched']])).toEqual([
      ['C1', true],
      ['C1', true],
    ]);
  });

  it('dead-letters an input tombstone (MISSING_VALUE) and an undecodable record, and goes on', async () => {
    const t = start();
    await t.cardholders.pipeInput('C1', cardholder('C1'));
    await t.payments.pipeInput('C1', null);
    const raw = t.driver.createInputTopic(TOPICS.input, { key: string(), value: bytes() });
    await raw.pipeInput('C1', Buffer.from([0xff, 0x01]));
    await t.payments.pipeInput('C1', payment('C1'));
    expect(t.enriched.readValuesToList().map((v) => v['matched'])).toEqual([true]);
    const dead = t.dlq.readRecordsToList().map((r) => [r.headers[DLQ_HEADERS.errorCode]?.toString(), r.headers[DLQ_HEADERS.errorMessage]?.toString()]);
    expect(dead[0]).toEqual(['MISSING_VALUE', 'the record keyed "C1" has no value (a tombstone): an input record is expected']);
    expect(dead[1]?.[0]).toBe('DESERIALIZATION');
    expect(dead).toHaveLength(2);
  });
});
