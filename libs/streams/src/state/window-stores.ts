import { float64, string, type Serde } from '../serde.js';
import type { StoreDefinition } from '../topology/nodes.js';
import { decodeWindowedKey } from '../window/windowed-serde.js';
import type { Windowed } from '../window/windows.js';
import { TransactionalWindowStore } from './window-store.js';

/** Extra changelog retention beyond window size + grace (as Kafka Streams' default, one day). */
export const DEFAULT_RETENTION_MARGIN_MS = 86_400_000;

export interface WindowStoreOptions<K, V> {
  readonly kind: 'window' | 'session';
  readonly keySerde?: Serde<K>;
  readonly valueSerde: Serde<V>;
  /** How long a window's changelog records must live: window size (session: gap) + grace + margin. */
  readonly retentionMs: number;
  readonly logged?: boolean;
}

/**
 * Defines an in-memory window or session store, changelogged to
 * `<applicationId>-<name>-changelog` with `cleanup.policy=compact,delete` and
 * `retention.ms` = `retentionMs`: compaction keeps the latest aggregate of an
 * open window, deletion drops the records of windows long closed.
 */
export function windowStore<K = string, V = unknown>(name: string, options: WindowStoreOptions<K, V>): StoreDefinition {
  const keySerde = options.keySerde ?? (string() as unknown as Serde<K>);
  const valueSerde = options.valueSerde;
  return {
    name,
    kind: options.kind,
    keySerde: changelogKeySerde(keySerde),
    valueSerde: changelogValueSerde(valueSerde),
    logged: options.logged ?? true,
    changelogConfig: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(options.retentionMs) },
    create: (changelogTopic) => new TransactionalWindowStore<K, V>({ name, changelogTopic, keySerde, valueSerde }),
  };
}

/** The store's metadata record, as `changelogKeySerde` decodes it. */
export const OBSERVED_TIME = 'observed-time';

/** Decodes window-store changelog keys (for tools and the test driver): a windowed key, or `OBSERVED_TIME`. */
function changelogKeySerde<K>(keySerde: Serde<K>): Serde<Windowed<K> | typeof OBSERVED_TIME> {
  return {
    serialize: () => {
      throw new Error('window-store changelog keys are written by the store');
    },
    deserialize: (data, context) => {
      const { key, start, end } = decodeWindowedKey(data);
      if (key.length === 0 && start === -1 && end === -1) return OBSERVED_TIME;
      const k = keySerde.deserialize(key, context);
      return k instanceof Promise ? k.then((kk) => ({ key: kk, window: { start, end } })) : { key: k, window: { start, end } };
    },
  };
}

function changelogValueSerde<V>(valueSerde: Serde<V>): Serde<V | number> {
  return {
    serialize: () => {
      throw new Error('window-store changelog values are written by the store');
    },
    deserialize: (data, context) => (data[0] === 1 ? float64().deserialize(data.subarray(1), context) : valueSerde.deserialize(data.subarray(1), context)),
  };
}
