import { errorMessage } from '../errors.js';
import type { PartitionReader } from '../kafka/partition-reader.js';
import { GlobalKeyValueStore } from '../state/global-key-value-store.js';
import type { StateStore } from '../state/state-store.js';
import type { Topology } from '../topology/topology.js';
import type { ResolvedStreamsConfig } from './config.js';

/**
 * Keeps every global store filled from all partitions of its topic: at start
 * it reads each partition up to its end offset before any task runs, then it
 * follows the topic in the background. A record that cannot be decoded is
 * logged and skipped (the topic is not ours to dead-letter).
 */
export class GlobalStateManager {
  readonly stores = new Map<string, StateStore>();
  readonly #globals: GlobalKeyValueStore<unknown, unknown>[] = [];
  readonly #positions = new Map<string, { topic: string; partition: number; offset: bigint; store: GlobalKeyValueStore<unknown, unknown> }>();
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly topology: Topology,
    private readonly reader: PartitionReader,
    private readonly config: ResolvedStreamsConfig,
    private readonly admin?: { fetchTopicMetadata(o: { topics: string[] }): Promise<{ topics: { name: string; partitions: unknown[] }[] }> },
  ) {
    for (const definition of topology.globalStores.values()) {
      const store = new GlobalKeyValueStore<unknown, unknown>(definition);
      this.#globals.push(store);
      this.stores.set(definition.name, store);
    }
  }

  async start(admin?: GlobalStateManager['admin']): Promise<void> {
    const meta = admin ?? this.admin;
    if (this.#globals.length === 0) return;
    for (const store of this.#globals) {
      const partitions = meta === undefined ? 1 : ((await meta.fetchTopicMetadata({ topics: [store.topic] })).topics[0]?.partitions.length ?? 1);
      const tps = Array.from({ length: partitions }, (_, partition) => ({ topic: store.topic, partition }));
      const begin = await this.reader.beginningOffsets(tps);
      for (const tp of tps) {
        this.#positions.set(`${tp.topic}\u0000${tp.partition}`, { ...tp, offset: begin.get(`${tp.topic}\u0000${tp.partition}`) ?? 0n, store });
      }
    }
    const end = await this.reader.endOffsets([...this.#positions.values()]);
    const behind = (): boolean => [...this.#positions].some(([k, p]) => p.offset < (end.get(k) ?? 0n));
    // The bootstrap is a global store's restore: reported like a changelog restore, so dashboards and the
    // restore alerts see it (a large reference topic can hold an operator's start for minutes).
    const started = Date.now();
    const { instrumentation } = this.config;
    const firstOffsets = new Map([...this.#positions].map(([k, p]) => [k, p.offset]));
    const report = (done: boolean): void => {
      for (const [k, p] of this.#positions) {
        const first = firstOffsets.get(k) ?? 0n;
        const total = Number((end.get(k) ?? first) - first);
        const restored = Math.min(total, Number(p.offset - first));
        if (done) instrumentation.restoreCompleted?.(p.store.name, p.partition, restored, (Date.now() - started) / 1000);
        else instrumentation.restoreProgress?.(p.store.name, p.partition, restored, total);
      }
    };
    report(false);
    while (behind()) {
      await this.#poll(100);
      report(false);
    }
    report(true);
    this.#running = true;
    this.#loop = this.#follow();
  }

  async #poll(maxWaitMs: number): Promise<void> {
    const fetched = await this.reader.fetch([...this.#positions.values()], { maxWaitMs });
    for (const f of fetched) {
      const position = this.#positions.get(`${f.topic}\u0000${f.partition}`);
      if (position === undefined) continue;
      for (const m of f.records) {
        try {
          const result = position.store.apply({ key: m.key, value: m.value });
          if (result !== undefined) await result;
        } catch (error) {
          this.config.log('warn', `global store ${position.store.name}: skipped ${f.topic}[${f.partition}]@${m.offset}`, { error: errorMessage(error) });
        }
      }
      if (f.nextOffset > position.offset) position.offset = f.nextOffset;
    }
  }

  async #follow(): Promise<void> {
    while (this.#running) {
      try {
        await this.#poll(500);
      } catch (error) {
        this.config.log('warn', 'global store update failed; retrying', { error: errorMessage(error) });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop?.catch(() => undefined);
  }
}
