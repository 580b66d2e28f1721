/**
 * Which model scores the next batch. The score processor takes a lease at
 * the start of each flush and gives it back at the end, so a batch is
 * scored entirely by one model; a hot reload swaps the held model between
 * leases and releases the old onnxruntime session once the last batch
 * using it has finished.
 *
 * A holder only ever moves forward (each swap is a newer publication), and
 * every task of the instance reads it, so once a partition's batch was
 * scored (and committed) with a version, the later batches of that
 * partition on this instance use that version or a newer publication.
 */
import type { FeatureExtractor } from '../features/feature-spec.js';
import type { BatchScorer } from '../model/onnx-scorer.js';

/** A model as the processor uses it: the scorer and the features in its input order. */
export interface ModelLease {
  readonly scorer: BatchScorer;
  readonly features: FeatureExtractor;
  /** The batch is done with the model (idempotent). */
  release(): void;
}

export interface ModelSource {
  acquire(): ModelLease;
}

/** A model that may not be there yet (the shadow model before its first publication). */
export interface OptionalModelSource {
  tryAcquire(): ModelLease | undefined;
}

/** A loaded model the holder owns: `release` frees its session. */
export interface HeldModel {
  readonly scorer: BatchScorer;
  readonly features: FeatureExtractor;
  release(): Promise<void>;
}

function checkFeatures(scorer: BatchScorer, features: FeatureExtractor): void {
  const model = scorer.metadata.features.join(',');
  if (features.names.join(',') !== model) throw new RangeError(`extractor features ${features.names.join(',')} are not the model's ${model}`);
}

/** One model for the app's lifetime (tests, and the operator without MODELS_TOPIC). `features` must be in the model's input order. */
export function fixedModel(scorer: BatchScorer, features: FeatureExtractor): ModelSource {
  checkFeatures(scorer, features);
  const lease: ModelLease = { scorer, features, release: () => undefined };
  return { acquire: () => lease };
}

interface Entry {
  readonly model: HeldModel;
  leases: number;
  retired: boolean;
  freed: Promise<void> | undefined;
}

export class ModelHolder implements ModelSource, OptionalModelSource {
  #current: Entry | undefined;
  readonly #freeing = new Set<Promise<void>>();
  readonly #onReleaseError: (error: unknown, model: HeldModel) => void;

  /** `initial` undefined: empty until the first swap (`acquire` throws, `tryAcquire` gives undefined). */
  constructor(initial: HeldModel | undefined, options: { onReleaseError?: (error: unknown, model: HeldModel) => void } = {}) {
    if (initial !== undefined) checkFeatures(initial.scorer, initial.features);
    this.#current = initial === undefined ? undefined : { model: initial, leases: 0, retired: false, freed: undefined };
    this.#onReleaseError = options.onReleaseError ?? (() => undefined);
  }

  /** The model the next lease gets; throws when the holder is empty. */
  get current(): HeldModel {
    if (this.#current === undefined) throw new Error('no model held yet');
    return this.#current.model;
  }

  /** The model the next lease gets, or undefined when the holder is empty. */
  get model(): HeldModel | undefined {
    return this.#current?.model;
  }

  /** Leases of the current model out now. */
  get leases(): number {
    return this.#current?.leases ?? 0;
  }

  acquire(): ModelLease {
    const lease = this.tryAcquire();
    if (lease === undefined) throw new Error('no model held yet');
    return lease;
  }

  tryAcquire(): ModelLease | undefined {
    const entry = this.#current;
    if (entry === undefined) return undefined;
    entry.leases++;
    let released = false;
    return {
      scorer: entry.model.scorer,
      features: entry.model.features,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        this.#freeIfUnused(entry);
      },
    };
  }

  /** Makes `next` the model of every later lease; the previous one is released once its last lease is given back. */
  swap(next: HeldModel): void {
    checkFeatures(next.scorer, next.features);
    const previous = this.#current;
    this.#current = { model: next, leases: 0, retired: false, freed: undefined };
    if (previous === undefined) return;
    previous.retired = true;
    this.#freeIfUnused(previous);
  }

  /** Releases the current model and waits for every retired one (call once no batch runs any more). */
  async close(): Promise<void> {
    if (this.#current !== undefined) {
      this.#current.retired = true;
      this.#freeIfUnused(this.#current);
    }
    await Promise.all([...this.#freeing]);
  }

  #freeIfUnused(entry: Entry): void {
    if (!entry.retired || entry.leases > 0 || entry.freed !== undefined) return;
    const freed = entry.model.release().catch((error: unknown) => this.#onReleaseError(error, entry.model));
    entry.freed = freed;
    this.#freeing.add(freed);
    void freed.finally(() => this.#freeing.delete(freed));
  }
}
