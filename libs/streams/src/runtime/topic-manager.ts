import type { Admin, ITopicConfig } from 'kafkajs';
import { ConfigError, TopologyError } from '../errors.js';
import { deadLetterTopic } from '../task/dead-letter.js';
import { lateTopic } from '../window/late-records.js';
import { INTERNAL_TOPIC_PREFIX } from '../topology/nodes.js';
import { changelogTopic, resolveTopic, type Topology } from '../topology/topology.js';

/** The partition count of each sub-topology: how many tasks it runs as. */
export type SubTopologyPartitions = ReadonlyMap<number, number>;

/**
 * Checks the topology's external topics and creates (or verifies) its
 * internal ones before anything runs: sources and sinks must exist; the
 * sources of one sub-topology must have equal partition counts; repartition
 * topics and changelogs get the partition count of their sub-topology;
 * changelogs are compacted; the dead-letter topic exists.
 */
export async function prepareTopics(
  admin: Admin,
  topology: Topology,
  options: { applicationId: string; replicationFactor: number; dlqPartitions: number },
): Promise<SubTopologyPartitions> {
  const { applicationId } = options;
  const resolve = (t: string): string => resolveTopic(t, applicationId);
  const existing = new Set(await admin.listTopics());
  const partitionCount = new Map<string, number>();
  const describe = async (topics: string[]): Promise<void> => {
    const wanted = topics.filter((t) => existing.has(t) && !partitionCount.has(t));
    if (wanted.length === 0) return;
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: wanted });
    for (const t of metadata) partitionCount.set(t.name, t.partitions.length);
  };

  const externalSources = new Set<string>();
  const sinks = new Set<string>();
  for (const node of topology.nodes.values()) {
    if (node.kind === 'source') for (const t of node.topics) if (!t.startsWith(INTERNAL_TOPIC_PREFIX)) externalSources.add(t);
    if (node.kind === 'sink' && !node.topic.startsWith(INTERNAL_TOPIC_PREFIX)) sinks.add(node.topic);
  }
  for (const store of topology.globalStores.values()) externalSources.add(store.topic);
  const missing = [...externalSources, ...sinks].filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new ConfigError(
      `topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist: create ${missing.length > 1 ? 'them' : 'it'} before starting "${applicationId}" (auto-creation is not used)`,
    );
  }
  await describe([...externalSources]);

  // Partition counts, resolved upstream first: repartition topics take their writer's count.
  const result = new Map<number, number>();
  const writerOf = new Map<string, number>();
  for (const sub of topology.subTopologies) {
    for (const name of sub.nodes) {
      const node = topology.nodes.get(name);
      if (node?.kind === 'sink' && node.topic.startsWith(INTERNAL_TOPIC_PREFIX)) writerOf.set(node.topic, sub.id);
    }
  }
  const fixed = new Map(topology.repartitionTopics.map((r) => [r.topic, r.partitions]));
  for (let pass = 0; pass <= topology.subTopologies.length && result.size < topology.subTopologies.length; pass++) {
    for (const sub of topology.subTopologies) {
      if (result.has(sub.id)) continue;
      const counts: { topic: string; count: number }[] = [];
      let unresolved = false;
      for (const topic of sub.sourceTopics) {
        if (!topic.startsWith(INTERNAL_TOPIC_PREFIX)) {
          counts.push({ topic, count: partitionCount.get(topic) ?? 0 });
          continue;
        }
        const given = fixed.get(topic);
        const writer = writerOf.get(topic);
        const upstream = writer === undefined ? undefined : result.get(writer);
        if (given !== undefined) counts.push({ topic, count: given });
        else if (upstream !== undefined) counts.push({ topic, count: upstream });
        else unresolved = true;
      }
      if (unresolved) continue;
      const distinct = new Set(counts.map((c) => c.count));
      if (distinct.size !== 1) {
        throw new TopologyError(
          `sub-topology ${sub.id} reads topics with different partition counts (${counts.map((c) => `${resolve(c.topic)}: ${c.count}`).join(', ')}); co-partitioned topics must have equal counts`,
        );
      }
      result.set(sub.id, counts[0]?.count ?? 1);
    }
  }
  if (result.size < topology.subTopologies.length) throw new TopologyError('cannot resolve the partition counts of repartition topics (a cycle?)');

  // Internal topics to create or verify.
  const wanted: { topic: string; partitions: number; config: Record<string, string> }[] = [];
  for (const r of topology.repartitionTopics) {
    const writer = writerOf.get(r.topic);
    const reader = topology.subTopologyOf(r.topic);
    const partitions = r.partitions ?? (reader === undefined ? undefined : result.get(reader.id)) ?? (writer === undefined ? 1 : result.get(writer) ?? 1);
    wanted.push({ topic: resolve(r.topic), partitions, config: {} });
  }
  for (const sub of topology.subTopologies) {
    for (const name of sub.stores) {
      const store = topology.stores.get(name);
      if (store === undefined || !store.logged) continue;
      wanted.push({ topic: changelogTopic(applicationId, name), partitions: result.get(sub.id) ?? 1, config: { 'cleanup.policy': 'compact', ...store.changelogConfig } });
    }
  }
  await describe(wanted.map((w) => w.topic));
  const toCreate: ITopicConfig[] = [];
  for (const w of wanted) {
    const have = partitionCount.get(w.topic);
    if (have === undefined) {
      toCreate.push({
        topic: w.topic,
        numPartitions: w.partitions,
        replicationFactor: options.replicationFactor,
        configEntries: Object.entries(w.config).map(([name, value]) => ({ name, value })),
      });
    } else if (have !== w.partitions) {
      throw new TopologyError(
        `internal topic "${w.topic}" has ${have} partitions but ${w.partitions} are needed; delete it (its state is rebuilt from the sources) or restore the source partition count`,
      );
    }
  }
  const dlq = deadLetterTopic(applicationId);
  if (!existing.has(dlq)) toCreate.push({ topic: dlq, numPartitions: options.dlqPartitions, replicationFactor: options.replicationFactor });
  // Window operators write records that missed every window to `<applicationId>.late`, sized like the DLQ.
  const late = lateTopic(applicationId);
  const windowed = [...topology.stores.values()].some((s) => s.kind === 'window' || s.kind === 'session');
  if (windowed && !existing.has(late)) toCreate.push({ topic: late, numPartitions: options.dlqPartitions, replicationFactor: options.replicationFactor });
  if (toCreate.length > 0) {
    try {
      await admin.createTopics({ topics: toCreate, waitForLeaders: true });
    } catch (error) {
      // Another instance may have created them at the same time: that is fine.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
        const again = new Set(await admin.listTopics());
        if (!toCreate.every((t) => again.has(t.topic))) throw error;
      }
    }
  }
  return result;
}
