/**
 * AGGREGATE_MODE=lookback across a crash, as the runtime does it: a task commits every
 * few records (outputs, changelog and offsets together), dies with an open
 * transaction at a random point, and a fresh task restored from the
 * committed changelog resumes at the committed offset. The committed outputs
 * of both lives must be exactly one record per payment, each equal to the
 * naive reference (the arrival order is the topic order, so reprocessing
 * sees the same order).
 */
import { describe, expect, it } from 'vitest';
import { PaymentFeaturesSchema, type EnrichedPayment } from '@tributary/schemas';
import { StreamTask, changelogTopic, type ConsumedMessage, type Topology } from '@tributary/streams';
import { LOOKBACK_STORE, buildLookbackTopology, type GenericRecord } from '../src/index.js';
import { avroBinarySerde } from './avro-binary-serde.js';
import { FRAUD_REFERENCE, LB_APP, TOPICS, inputSerde, lookbackOptions, prng, randomPayments } from './lookback-fixtures.js';
import { expectFeaturesClose, referenceFeatures } from './lookback-reference.js';

const outputSerde = avroBinarySerde<GenericRecord>({ schema: PaymentFeaturesSchema.schema });
const CHANGELOG = changelogTopic(LB_APP, LOOKBACK_STORE);

function task(topology: Topology): StreamTask {
  const subTopology = topology.subTopologies[0];
  if (subTopology === undefined) throw new Error('no sub-topology');
  return new StreamTask({ applicationId: LB_APP, topology, subTopology, partition: 0, globalStores: new Map(), errorPolicy: 'fail', now: () => 0 });
}

const message = (p: EnrichedPayment, offset: number): ConsumedMessage => ({
  key: Buffer.from(p.cardId),
  value: inputSerde.serialize(p as unknown as GenericRecord, { topic: TOPICS.input, isKey: false }) as Buffer,
  timestamp: '0',
  offset: String(offset),
});

/** Committed outputs of a life that crashes after `crashAfter` records, then of its restored successor. */
async function crashAndRestore(arrivals: readonly EnrichedPayment[], crashAfter: number, commitEvery: number): Promise<GenericRecord[]> {
  const topology = buildLookbackTopology(lookbackOptions());
  const changelog: { key: Buffer; value: Buffer | null }[] = [];
  const outputs: GenericRecord[] = [];
  const commit = async (t: StreamTask) => {
    const batch = await t.prepareCommit();
    for (const m of batch.messages) {
      if (m.topic === CHANGELOG) changelog.push({ key: m.key as Buffer, value: m.value });
      else if (m.topic === TOPICS.output) outputs.push(outputSerde.deserialize(m.value as Buffer, { topic: m.topic, isKey: false }) as GenericRecord);
      else throw new Error(`unexpected output on ${m.topic}`);
    }
    t.commitSucceeded();
  };
  const first = task(topology);
  let committed = 0;
  for (let i = 0; i < crashAfter; i++) {
    await first.process(TOPICS.input, message(arrivals[i] as EnrichedPayment, i));
    if ((i + 1) % commitEvery === 0) {
      await commit(first);
      committed = i + 1;
    }
  }
  // The first life dies here: its open transaction (records committed+1 … crashAfter) is lost.
  const second = task(topology);
  for (const store of second.stores.values()) await store.restore(changelog);
  for (let i = committed; i < arrivals.length; i++) {
    await second.process(TOPICS.input, message(arrivals[i] as EnrichedPayment, i));
    if ((i + 1) % commitEvery === 0 || i === arrivals.length - 1) await commit(second);
  }
  return outputs;
}

describe('lookback restore from the changelog', () => {
  it('one output per payment, equal to the reference, whatever the crash point and commit interval (seeds 31–40)', async () => {
    for (let seed = 31; seed <= 40; seed++) {
      const arrivals = randomPayments(seed, 250);
      const expected = referenceFeatures(arrivals, FRAUD_REFERENCE, 5 * 60_000);
      const rnd = prng(seed * 7);
      const crashAfter = 1 + Math.floor(rnd() * (arrivals.length - 1));
      const commitEvery = 1 + Math.floor(rnd() * 20);
      const outputs = await crashAndRestore(arrivals, crashAfter, commitEvery);
      expect(outputs.map((o) => o['paymentId']), `seed ${seed}, crash after ${crashAfter}, commit every ${commitEvery}`).toEqual(arrivals.map((p) => p.paymentId));
      outputs.forEach((o, i) => expectFeaturesClose(o, expected[i] as Record<string, number | null>, FRAUD_REFERENCE, `seed ${seed} arrival ${i}`));
    }
  });

  it('the restored state equals the state of a life that never crashed', async () => {
    const arrivals = randomPayments(41, 200);
    const topology = buildLookbackTopology(lookbackOptions());
    const live = task(topology);
    const changelog: { key: Buffer; value: Buffer | null }[] = [];
    for (const [i, p] of arrivals.entries()) {
      await live.process(TOPICS.input, message(p, i));
      if (i % 13 === 12 || i === arrivals.length - 1) {
        const batch = await live.prepareCommit();
        for (const m of batch.messages) if (m.topic === CHANGELOG) changelog.push({ key: m.key as Buffer, value: m.value });
        live.commitSucceeded();
      }
    }
    const restored = task(topology);
    const store = restored.stores.get(LOOKBACK_STORE);
    await store?.restore(changelog);
    const contents = (t: StreamTask) => [...(t.stores.get(LOOKBACK_STORE) as unknown as { all(): IterableIterator<[string, unknown]> }).all()].sort(([a], [b]) => a.localeCompare(b));
    expect(contents(restored)).toEqual(contents(live));
    expect(contents(live).length).toBe(4);
  });
});
