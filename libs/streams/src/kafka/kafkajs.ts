import { createRequire } from 'node:module';
import path from 'node:path';
import type * as KafkaJS from 'kafkajs';
import { createConsumerRecordBatchDecoder, type KafkajsDecoderDeps } from './consumer-record-batch.js';
import { murmur2 } from './murmur2.js';
import { groupMessagesPerPartition } from './partition-grouping.js';
import { createProduceRequest } from './produce-request.js';

/*
 * kafkajs 2.2.4 filters aborted transactional records wrongly in
 * read_committed fetches (`consumer/filterAbortedMessages.js`): it expects the
 * broker's list of aborted transactions sorted by first offset and activates
 * at most one of them per record. The broker lists them in abort order, and
 * when several transactional producers write one partition (every task of an
 * app writes every output partition) and their transactions are aborted in
 * another order than they began — a crashed instance's open transactions,
 * aborted one task at a time as its successor fences them — records of an
 * aborted transaction reach a read_committed consumer as if committed. The
 * Java client sorts the list (a priority queue by first offset) and activates
 * every transaction that has begun; so does `filterAbortedMessages` below.
 *
 * The runtime gets its kafkajs through `kafkajs()`: a copy with this filter
 * and four hot-path modules replaced by equivalents that do the same work
 * without kafkajs' per-record allocations (each checked against kafkajs' own
 * output in unit tests): the producer's per-partition grouping of a send
 * (./partition-grouping.ts), the Produce request encoder (./produce-request.ts), the default
 * partitioner's murmur2 (./murmur2.ts) and the consumer's record batch
 * decoder (./consumer-record-batch.ts). If kafkajs was already loaded (by the
 * application, before Tributary), its modules are dropped from the require
 * cache first so the copy is built with the replacements; the application's
 * own copy is left as it is.
 */

interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}
interface FetchedMessage {
  readonly offset: string;
  readonly key?: Buffer | null;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);

/** Drops records of aborted transactions (and keeps control records, which kafkajs removes later). */
export function filterAbortedMessages({
  messages,
  abortedTransactions,
}: {
  messages: FetchedMessage[];
  abortedTransactions?: AbortedTransaction[] | null;
}): FetchedMessage[] {
  if (abortedTransactions === undefined || abortedTransactions === null || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => {
    const x = BigInt(a.firstOffset);
    const y = BigInt(b.firstOffset);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const aborted = new Set<string>();
  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (pending.length > 0 && offset >= BigInt(pending[0]?.firstOffset ?? 0)) aborted.add(String(pending.shift()?.producerId));
    const producerId = String(message.batchContext.producerId);
    if (message.key !== null && message.key !== undefined && Buffer.from(message.key).equals(ABORT_MARKER)) {
      aborted.delete(producerId);
      return true;
    }
    return !(message.batchContext.inTransaction && aborted.has(producerId));
  });
}

const require = createRequire(import.meta.url);
let loaded: typeof KafkaJS | undefined;

function replaceModule(modulePath: string, exports: unknown): void {
  require(modulePath);
  const cached = require.cache[modulePath];
  if (cached === undefined) throw new Error(`cannot patch kafkajs: ${modulePath} is not in the require cache`);
  cached.exports = exports;
}

/** kafkajs with a correct read_committed filter and the hot-path replacements described above. */
export function kafkajs(): typeof KafkaJS {
  if (loaded !== undefined) return loaded;
  const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
  const batchPath = require.resolve('kafkajs/src/consumer/batch.js');
  const root = path.dirname(path.dirname(path.dirname(filterPath)));
  if (require.cache[batchPath] !== undefined) {
    for (const key of Object.keys(require.cache)) if (key.startsWith(root + path.sep)) delete require.cache[key];
  }
  replaceModule(filterPath, filterAbortedMessages);
  replaceModule(require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js'), groupMessagesPerPartition);
  replaceModule(require.resolve('kafkajs/src/producer/partitioners/default/murmur2.js'), murmur2);
  replaceModule(
    require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js'),
    createConsumerRecordBatchDecoder({
      lookupCodec: (require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodecByAttributes: KafkajsDecoderDeps['lookupCodec'] }).lookupCodecByAttributes,
      PartialMessageError: (require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: KafkajsDecoderDeps['PartialMessageError'] }).KafkaJSPartialMessageError,
      timestampTypes: require('kafkajs/src/protocol/timestampTypes.js') as KafkajsDecoderDeps['timestampTypes'],
    }),
  );
  const produceV3 = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
  const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize: number) => { buf: Buffer; offset: number; readonly buffer: Buffer };
  replaceModule(
    produceV3,
    createProduceRequest(
      require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number,
      () => new Encoder(0),
      (require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodec: Parameters<typeof createProduceRequest>[2] }).lookupCodec,
    ),
  );
  loaded = require('kafkajs') as typeof KafkaJS;
  return loaded;
}

/** A module of kafkajs' internals (`kafkajs/src/…`) from the same (fixed) copy `kafkajs()` returns. */
export function kafkajsInternal<T>(modulePath: string): T {
  kafkajs();
  return require(modulePath) as T;
}
