import { kafkajs } from '@tributary/streams';

type GzipCodec = { compress(encoder: unknown): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };

/** Batches kafkajs' gzip codec handled in this process since `countGzipBatches()`; `restore()` puts the codec back. */
export interface GzipBatchCount {
  readonly compressed: number;
  readonly decompressed: number;
  restore(): void;
}

/**
 * Wraps the gzip codec of the runtime's kafkajs copy (`kafkajs()`: what the
 * runtime, ingest and the tests' readers use) to count the batches it
 * compresses and inflates: the evidence that a topic really holds gzip
 * batches, not only that its records read back.
 */
export function countGzipBatches(): GzipBatchCount {
  const { CompressionCodecs, CompressionTypes } = kafkajs();
  const original = CompressionCodecs[CompressionTypes.GZIP] as () => GzipCodec;
  const count = {
    compressed: 0,
    decompressed: 0,
    restore: () => {
      CompressionCodecs[CompressionTypes.GZIP] = original;
    },
  };
  CompressionCodecs[CompressionTypes.GZIP] = () => {
    const codec = original();
    return {
      compress: async (encoder: unknown) => {
        count.compressed += 1;
        return await codec.compress(encoder);
      },
      decompress: async (buffer: Buffer) => {
        count.decompressed += 1;
        return await codec.decompress(buffer);
      },
    };
  };
  return count;
}
