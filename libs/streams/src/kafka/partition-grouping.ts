/*
 * The producer's grouping of a send's messages by partition, for the
 * runtime's kafkajs copy (./kafkajs.ts). kafkajs 2.2.4 copies the
 * partition's array for every message (`[...current, message]`): quadratic in
 * the messages per partition of one send, 7 % of an exactly-once count app's
 * CPU at 1,000 messages per send. This is the same grouping (same object,
 * same order per partition) in one pass.
 */

export interface PartitionedMessage {
  readonly partition?: number;
}
export type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: PartitionedMessage }) => number;

/** kafkajs' `groupMessagesPerPartition`, linear: partition → its messages in send order (none when the topic has no partitions known). */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: PartitionedMessage[];
  partitioner: Partitioner;
}): Record<number, PartitionedMessage[]> {
  const result: Record<number, PartitionedMessage[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition];
    if (current === undefined) result[partition] = [message];
    else current.push(message);
  }
  return result;
}
