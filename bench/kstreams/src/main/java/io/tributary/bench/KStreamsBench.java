package io.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams side of {@code npm run bench -- compare}: the same three
 * topologies as the Tributary side (bench/src/compare/tributary-app.ts), over
 * the same Avro input, writing byte-identical output so the bench can check
 * that both did the same work.
 *
 * <pre>
 * java -cp 'target/kstreams-bench.jar:target/lib/*' io.tributary.bench.KStreamsBench \
 *   --topology=stateless|count|windows --bootstrap=host:port --application-id=ID \
 *   --input=TOPIC --output=TOPIC --commit-interval=100 --partitions=8 \
 *   --in-schema=FILE --in-id=N [--out-schema=FILE --out-id=N] [--restore]
 * </pre>
 *
 * <ul>
 *   <li>stateless: value → the same record plus {@code valueF = value * 1.8 + 32}.</li>
 *   <li>count: {@code groupByKey().count()} in an in-memory store named {@code counts};
 *       each update written as its decimal string (the record cache is off for this
 *       topology only, as Tributary forwards every update).</li>
 *   <li>windows: tumbling one-minute event-time windows (event time = the value's
 *       {@code ts}), no grace, count/sum/min/max of {@code value}, emitted once when
 *       the window closes ({@code EmitStrategy.onWindowClose}, which looks for closed windows
 *       at most once a second of wall-clock time by default), in-memory window store
 *       retaining two minutes;
 *       output key {@code <key>@<window start ms>}, value the WindowStats Avro record.</li>
 * </ul>
 *
 * Values use the Confluent wire format by hand (magic byte 0, 4-byte schema
 * id, Avro binary) with the ids the bench registered: no Confluent serializer
 * is on Maven Central, and this is the format Tributary writes.
 *
 * Stdout carries one line per event the bench waits for: {@code ready} when
 * the app is RUNNING, {@code restored records=N ms=M} (with {@code --restore})
 * once every changelog partition of {@code counts} is restored. SIGTERM closes
 * the app cleanly.
 */
public final class KStreamsBench {
  private KStreamsBench() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parse(argv);
    String topology = required(args, "topology");
    String bootstrap = required(args, "bootstrap");
    String applicationId = required(args, "application-id");
    String input = required(args, "input");
    String output = required(args, "output");
    int partitions = Integer.parseInt(args.getOrDefault("partitions", "8"));
    long commitInterval = Long.parseLong(args.getOrDefault("commit-interval", "100"));
    String compression = args.getOrDefault("compression", "none");
    Schema inSchema = schema(required(args, "in-schema"));
    int inId = Integer.parseInt(required(args, "in-id"));
    AvroWireSerde inSerde = new AvroWireSerde(inSchema, inId);

    StreamsBuilder builder = new StreamsBuilder();
    switch (topology) {
      case "stateless" -> {
        Schema outSchema = schema(required(args, "out-schema"));
        AvroWireSerde outSerde = new AvroWireSerde(outSchema, Integer.parseInt(required(args, "out-id")));
        builder.stream(input, Consumed.with(Serdes.String(), inSerde))
            .mapValues(v -> {
              GenericRecord out = new GenericData.Record(outSchema);
              for (Schema.Field f : inSchema.getFields()) out.put(f.name(), v.get(f.name()));
              out.put("valueF", (Double) v.get("value") * 1.8 + 32);
              return (GenericRecord) out;
            })
            .to(output, Produced.with(Serdes.String(), outSerde));
      }
      case "count" -> builder.stream(input, Consumed.with(Serdes.String(), inSerde))
          .groupByKey(Grouped.with(Serdes.String(), inSerde))
          .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
              .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
          .toStream()
          .mapValues(n -> Long.toString(n))
          .to(output, Produced.with(Serdes.String(), Serdes.String()));
      case "windows" -> {
        Schema outSchema = schema(required(args, "out-schema"));
        AvroWireSerde outSerde = new AvroWireSerde(outSchema, Integer.parseInt(required(args, "out-id")));
        builder.stream(input, Consumed.with(Serdes.String(), inSerde)
                .withTimestampExtractor((record, previous) -> (Long) ((GenericRecord) record.value()).get("ts")))
            .groupByKey(Grouped.with(Serdes.String(), inSerde))
            .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
            .emitStrategy(EmitStrategy.onWindowClose())
            .aggregate(
                Stats::new,
                (key, v, s) -> s.add((Double) v.get("value")),
                Materialized.<String, Stats>as(Stores.inMemoryWindowStore("windows", Duration.ofMinutes(2), Duration.ofMinutes(1), false))
                    .withKeySerde(Serdes.String()).withValueSerde(new Stats.StatsSerde()))
            .toStream((wk, s) -> wk.key() + "@" + wk.window().start())
            .mapValues(s -> {
              GenericRecord out = new GenericData.Record(outSchema);
              out.put("count", s.count);
              out.put("sum", s.sum);
              out.put("min", s.min);
              out.put("max", s.max);
              return out;
            })
            .to(output, Produced.with(Serdes.String(), outSerde));
      }
      default -> throw new IllegalArgumentException("--topology must be stateless, count or windows, got " + topology);
    }
    Topology built = builder.build();

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), compression);
    // One stream thread: Tributary processes on one Node event loop.
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // count: no record cache, so every update is forwarded, as Tributary does (and the outputs compare
    // equal); this also writes every update to the changelog. windows: the default cache (its final emit
    // does not depend on it; the cache only folds changelog writes, as Tributary's store does per commit).
    if (topology.equals("count")) props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("kstreams-bench-").toString());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    KafkaStreams streams = new KafkaStreams(built, props);
    CountDownLatch done = new CountDownLatch(1);
    if (args.containsKey("restore")) streams.setGlobalStateRestoreListener(new RestoreReport(partitions));
    streams.setStateListener((next, previous) -> {
      if (next == KafkaStreams.State.RUNNING) System.out.println("ready");
      if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) done.countDown();
      System.out.flush();
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("kstreams-bench: stream thread failed: " + e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      done.countDown();
    }));
    streams.start();
    done.await();
  }

  /** Prints {@code restored records=N ms=M} once every partition of the store finished restoring. */
  private static final class RestoreReport implements StateRestoreListener {
    private final int partitions;
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);

    RestoreReport(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
      firstStart.accumulateAndGet(System.nanoTime(), Math::min);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {}

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
      records.addAndGet(totalRestored);
      if (ended.incrementAndGet() == partitions) {
        long ms = (System.nanoTime() - firstStart.get()) / 1_000_000;
        System.out.println("restored records=" + records.get() + " ms=" + ms);
        System.out.flush();
      }
    }
  }

  /** count/sum/min/max of one window; stored as 32 bytes (long count, three doubles). */
  static final class Stats {
    long count;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;

    Stats add(double v) {
      Stats next = new Stats();
      next.count = count + 1;
      next.sum = sum + v;
      next.min = Math.min(min, v);
      next.max = Math.max(max, v);
      return next;
    }

    static final class StatsSerde implements Serde<Stats> {
      @Override
      public org.apache.kafka.common.serialization.Serializer<Stats> serializer() {
        return (topic, s) -> s == null ? null
            : java.nio.ByteBuffer.allocate(32).putLong(s.count).putDouble(s.sum).putDouble(s.min).putDouble(s.max).array();
      }

      @Override
      public org.apache.kafka.common.serialization.Deserializer<Stats> deserializer() {
        return (topic, data) -> {
          if (data == null) return null;
          java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
          Stats s = new Stats();
          s.count = b.getLong();
          s.sum = b.getDouble();
          s.min = b.getDouble();
          s.max = b.getDouble();
          return s;
        };
      }
    }
  }

  private static Schema schema(String file) throws IOException {
    return new Schema.Parser().parse(Files.readString(Path.of(file)));
  }

  private static Map<String, String> parse(String[] argv) {
    Map<String, String> out = new HashMap<>();
    for (String a : argv) {
      if (!a.startsWith("--")) throw new IllegalArgumentException("arguments are --name=value, got " + a);
      int eq = a.indexOf('=');
      if (eq < 0) out.put(a.substring(2), "true");
      else out.put(a.substring(2, eq), a.substring(eq + 1));
    }
    return out;
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("--" + name + " is required");
    return v;
  }

}
