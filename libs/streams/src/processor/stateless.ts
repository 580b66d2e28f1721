import type { StreamRecord } from '../record.js';
import type { ProcessorContext, ProcessorSupplier } from './processor.js';

/** A key and value pair as DSL functions return them. */
export type KeyValue<K, V> = readonly [key: K, value: V];

/**
 * Stateless operators as processors. Each forwards records with the input's
 * timestamp and headers, so event time flows downstream unchanged.
 */
function forwarding<KIn, VIn, KOut, VOut>(
  body: (record: StreamRecord<KIn, VIn>, forward: (key: KOut, value: VOut) => void, context: ProcessorContext<KOut, VOut>) => void,
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    let context!: ProcessorContext<KOut, VOut>;
    let current!: StreamRecord<KIn, VIn>;
    const forward = (key: KOut, value: VOut): void => {
      context.forward(
        current.headers === undefined
          ? { key, value, timestamp: current.timestamp }
          : { key, value, timestamp: current.timestamp, headers: current.headers },
      );
    };
    return {
      init(c) {
        context = c;
      },
      process(record) {
        current = record;
        body(record, forward, context);
      },
    };
  };
}

export const mapProcessor = <K, V, K2, V2>(fn: (key: K, value: V) => KeyValue<K2, V2>) =>
  forwarding<K, V, K2, V2>((r, forward) => {
    const [k, v] = fn(r.key, r.value);
    forward(k, v);
  });

export const mapValuesProcessor = <K, V, V2>(fn: (value: V, key: K) => V2) =>
  forwarding<K, V, K, V2>((r, forward) => forward(r.key, fn(r.value, r.key)));

export const filterProcessor = <K, V>(predicate: (key: K, value: V) => boolean) =>
  forwarding<K, V, K, V>((r, forward) => {
    if (predicate(r.key, r.value)) forward(r.key, r.value);
  });

export const flatMapProcessor = <K, V, K2, V2>(fn: (key: K, value: V) => Iterable<KeyValue<K2, V2>>) =>
  forwarding<K, V, K2, V2>((r, forward) => {
    for (const [k, v] of fn(r.key, r.value)) forward(k, v);
  });

export const flatMapValuesProcessor = <K, V, V2>(fn: (value: V, key: K) => Iterable<V2>) =>
  forwarding<K, V, K, V2>((r, forward) => {
    for (const v of fn(r.value, r.key)) forward(r.key, v);
  });

export const selectKeyProcessor = <K, V, K2>(fn: (key: K, value: V) => K2) =>
  forwarding<K, V, K2, V>((r, forward) => forward(fn(r.key, r.value), r.value));

export const peekProcessor = <K, V>(fn: (key: K, value: V) => void) =>
  forwarding<K, V, K, V>((r, forward) => {
    fn(r.key, r.value);
    forward(r.key, r.value);
  });

/** Sends each record to the first branch whose predicate holds (child names in `branches`), or drops it. */
export const branchProcessor =
  <K, V>(predicates: readonly ((key: K, value: V) => boolean)[], branches: readonly string[]): ProcessorSupplier<K, V, K, V> =>
  () => {
    let context!: ProcessorContext<K, V>;
    return {
      init(c) {
        context = c;
      },
      process(record) {
        for (let i = 0; i < predicates.length; i++) {
          if (predicates[i]?.(record.key, record.value) === true) {
            context.forward(record, branches[i]);
            return;
          }
        }
      },
    };
  };

/** Passes records through unchanged (named anchors, e.g. a branch's head). */
export const passThroughProcessor =
  <K, V>(): ProcessorSupplier<K, V, K, V> =>
  () => {
    let context!: ProcessorContext<K, V>;
    return {
      init(c) {
        context = c;
      },
      process(record) {
        context.forward(record);
      },
    };
  };
