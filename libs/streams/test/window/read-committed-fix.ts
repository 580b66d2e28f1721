/**
 * Test support, imported before kafkajs: a correct read_committed filter for
 * kafkajs consumers.
 *
 * kafkajs 2.2.4 (`consumer/filterAbortedMessages.js`) assumes the Fetch
 * response lists aborted transactions by first offset, and activates at most
 * one per message. The broker lists them in the order they were aborted. When
 * several transactional producers write one partition (every task of an app
 * writes every output partition) and their transactions are aborted in
 * another order than they began — a SIGKILLed instance's open transactions,
 * aborted as its successor fences task by task — records of an aborted
 * transaction are delivered as if committed. The Java client sorts them
 * (a priority queue by first offset); so does this replacement. `unsortedSeen`
 * counts the fetches where the order mattered.
 */
import { createRequire } from 'node:module';

interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}
interface FetchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);
/** Fetches whose aborted transactions came out of first-offset order; aborted records kafkajs's own filter would have delivered. */
export const stats = { unsortedSeen: 0, leaksPrevented: 0 };
type Filter = (fetched: { messages: FetchedMessage[]; abortedTransactions?: AbortedTransaction[] }) => FetchedMessage[];

function filterAbortedMessages({ messages, abortedTransactions }: { messages: FetchedMessage[]; abortedTransactions?: AbortedTransaction[] }): FetchedMessage[] {
  if (abortedTransactions === undefined || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0));
  if (pending.some((t, i) => t !== abortedTransactions[i])) stats.unsortedSeen += 1;
  const aborted = new Set<string>();
  const kept = messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (pending.length > 0 && offset >= BigInt(pending[0]?.firstOffset ?? 0)) aborted.add(String(pending.shift()?.producerId));
    const producerId = String(message.batchContext.producerId);
    if (message.key !== null && Buffer.from(message.key).equals(ABORT_MARKER)) {
      aborted.delete(producerId);
      return true;
    }
    return !(aborted.has(producerId) && message.batchContext.inTransaction);
  });
  const theirs = original({ messages, abortedTransactions });
  if (theirs.length > kept.length) stats.leaksPrevented += theirs.length - kept.length;
  return kept;
}

const require = createRequire(import.meta.url);
const path = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
require(path);
const cached = require.cache[path];
if (cached === undefined) throw new Error('cannot patch kafkajs: filterAbortedMessages is not in the require cache');
if (require.cache[require.resolve('kafkajs/src/consumer/batch.js')] !== undefined) {
  throw new Error('read-committed-fix must be imported before kafkajs');
}
const original = cached.exports as Filter;
cached.exports = filterAbortedMessages;
