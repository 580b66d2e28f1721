/**
 * Avro via Tributary's serde vs JSON.stringify / JSON.parse, on the
 * sensor-reading record: records per second for encode and decode, and
 * bytes per record. Both sides produce and consume Buffers, as a Kafka
 * client does. The Avro serde runs its hot path (schema id and writer
 * schema cached), which is synchronous.
 */
import { avroSerde } from '@tributary/avro';
import { SensorReadingSchema, type SensorReading } from '@tributary/schemas';
import { benchRegistry } from './support/registry.js';

const TOPIC = 'coldchain.readings';
const CONTEXT = { topic: TOPIC, isKey: false } as const;

function readings(count: number): SensorReading[] {
  const out: SensorReading[] = [];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i++) {
    const container = i % 500;
    out.push({
      containerId: `MSCU${String(1_000_000 + container).slice(1)}${container % 10}`,
      eventTime: new Date(start + i * 1000),
      temperatureC: 4 + Math.sin(i / 50) * 1.5,
      humidityPct: 85 + Math.cos(i / 70) * 5,
      coolingPowerKw: 3.2 + Math.sin(i / 30) * 0.8,
      doorOpen: i % 997 === 0,
      gForce: 1 + (i % 13) / 100,
      gps: i % 20 === 0 ? null : { latitudeDeg: 51.9 + (i % 1000) / 1e4, longitudeDeg: 4.1 + (i % 700) / 1e4, accuracyM: i % 3 === 0 ? null : 4.5 },
    });
  }
  return out;
}

/** Runs `fn` over all inputs repeatedly for at least `ms`; returns operations per second. */
function rate<I>(inputs: readonly I[], fn: (input: I) => unknown, ms: number): number {
  let ops = 0;
  let sink = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms) {
    for (const input of inputs) {
      const out = fn(input);
      if (out === undefined) sink++;
    }
    ops += inputs.length;
    elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  }
  if (sink < 0) console.log(sink);
  return (ops / elapsed) * 1000;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export default async function serdeBench(args: readonly string[]): Promise<void> {
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 3);
  const registry = await benchRegistry();
  try {
    const serde = avroSerde(SensorReadingSchema, { registry: registry.url });
    const id = await serde.prepare(TOPIC);
    const records = readings(10_000);
    const avroBytes = records.map((r) => serde.serialize(r, CONTEXT) as Buffer);
    const jsonBytes = records.map((r) => Buffer.from(JSON.stringify(r), 'utf8'));
    if (serde.deserialize(avroBytes[0] as Buffer, CONTEXT) instanceof Promise) throw new Error('the serde was expected to decode synchronously once warmed');
    const avroSize = avroBytes.reduce((n, b) => n + b.length, 0) / records.length;
    const jsonSize = jsonBytes.reduce((n, b) => n + b.length, 0) / records.length;

    const ms = seconds * 1000;
    // Warm up both paths (JIT) before measuring.
    rate(records, (r) => serde.serialize(r, CONTEXT), 500);
    rate(records, (r) => Buffer.from(JSON.stringify(r), 'utf8'), 500);
    rate(avroBytes, (b) => serde.deserialize(b, CONTEXT), 500);
    rate(jsonBytes, (b) => JSON.parse(b.toString('utf8')) as unknown, 500);
    const avroEncode = rate(records, (r) => serde.serialize(r, CONTEXT), ms);
    const jsonEncode = rate(records, (r) => Buffer.from(JSON.stringify(r), 'utf8'), ms);
    const avroDecode = rate(avroBytes, (b) => serde.deserialize(b, CONTEXT), ms);
    const jsonDecode = rate(jsonBytes, (b) => JSON.parse(b.toString('utf8')) as unknown, ms);

    console.log(`serde bench: sensor reading (${TOPIC}-value, schema id ${id}), ${records.length} distinct records, ${seconds} s per measure, Node ${process.version}`);
    console.log(`  avro  encode ${fmt(avroEncode).padStart(12)} records/s   decode ${fmt(avroDecode).padStart(12)} records/s   ${avroSize.toFixed(1)} bytes/record (5-byte header included)`);
    console.log(`  json  encode ${fmt(jsonEncode).padStart(12)} records/s   decode ${fmt(jsonDecode).padStart(12)} records/s   ${jsonSize.toFixed(1)} bytes/record`);
    console.log('  (JSON.parse leaves eventTime a string; the Avro serde returns a Date)');
    console.log(
      `bench serde: avro_decode_vs_json=${(avroDecode / jsonDecode).toFixed(2)} avro_encode_vs_json=${(avroEncode / jsonEncode).toFixed(2)} ` +
        `avro_bytes=${avroSize.toFixed(1)} json_bytes=${jsonSize.toFixed(1)} size_ratio=${(avroSize / jsonSize).toFixed(2)}`,
    );
  } finally {
    await registry.close();
  }
}
