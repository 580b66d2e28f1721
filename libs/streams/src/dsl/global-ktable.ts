/** A table replicated in full to every instance (see `StreamsBuilder.globalTable`). */
export class GlobalKTable<K, V> {
  /** Phantom fields carry the key and value types. */
  declare readonly __key: K;
  declare readonly __value: V;

  constructor(
    readonly storeName: string,
    readonly topic: string,
  ) {}
}
