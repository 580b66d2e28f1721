/**
 * Posts held back to be sent later (out-of-order and late readings): a
 * binary min-heap by (postAt, sequence), so equal times keep insertion order.
 */
export interface Deferred<T> {
  /** Simulated time of posting: sent just before the first regular reading with a greater eventTime. */
  readonly postAt: number;
  readonly sequence: number;
  readonly item: T;
}

export class PostQueue<T> {
  private readonly heap: Deferred<T>[] = [];
  private sequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(postAt: number, item: T): void {
    const heap = this.heap;
    heap.push({ postAt, sequence: this.sequence++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Deferred<T>, heap[parent] as Deferred<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Deferred<T>, heap[i] as Deferred<T>];
      i = parent;
    }
  }

  /** The earliest postAt waiting, or Infinity. */
  peekTime(): number {
    return this.heap[0]?.postAt ?? Infinity;
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Deferred<T>, heap[m] as Deferred<T>)) m = l;
        if (r < heap.length && before(heap[r] as Deferred<T>, heap[m] as Deferred<T>)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Deferred<T>, heap[i] as Deferred<T>];
        i = m;
      }
    }
    return top.item;
  }
}

function before<T>(a: Deferred<T>, b: Deferred<T>): boolean {
  return a.postAt < b.postAt || (a.postAt === b.postAt && a.sequence < b.sequence);
}
