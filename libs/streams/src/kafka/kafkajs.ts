import { createRequire } from 'node:module';
import path from 'node:path';
import type * as KafkaJS from 'kafkajs';

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
 * The runtime gets its kafkajs through `kafkajs()`: a copy whose filter is
 * replaced. If kafkajs was already loaded (by the application, before
 * Tributary), its modules are dropped from the require cache first so the
 * copy is built with the correct filter; the application's own copy is left
 * as it is.
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

/** kafkajs with a correct read_committed filter (see above). */
export function kafkajs(): typeof KafkaJS {
  if (loaded !== undefined) return loaded;
  const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
  const batchPath = require.resolve('kafkajs/src/consumer/batch.js');
  const root = path.dirname(path.dirname(path.dirname(filterPath)));
  if (require.cache[batchPath] !== undefined) {
    for (const key of Object.keys(require.cache)) if (key.startsWith(root + path.sep)) delete require.cache[key];
  }
  require(filterPath);
  const cached = require.cache[filterPath];
  if (cached === undefined) throw new Error('cannot install the read_committed fix: kafkajs filter module not in the require cache');
  cached.exports = filterAbortedMessages;
  loaded = require('kafkajs') as typeof KafkaJS;
  return loaded;
}

/** kafkajs' Batch class from the same (fixed) copy. */
export function kafkajsBatch<T>(): T {
  kafkajs();
  return require('kafkajs/src/consumer/batch.js') as T;
}
