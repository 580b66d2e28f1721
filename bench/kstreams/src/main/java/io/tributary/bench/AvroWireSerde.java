package io.tributary.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro values in the Confluent wire format (byte 0, the 4-byte big-endian
 * schema id, Avro binary), written and read by hand with one fixed schema and
 * id: the registry work (register once, cache the id) happened in the bench
 * before the app started, as Tributary's serde caches it after the first call.
 * Encoder, decoder and buffer are reused: one stream thread uses them.
 */
final class AvroWireSerde implements Serde<GenericRecord> {
  private final int id;
  private final GenericDatumWriter<GenericRecord> writer;
  private final GenericDatumReader<GenericRecord> reader;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
  private BinaryEncoder encoder;
  private BinaryDecoder decoder;

  AvroWireSerde(Schema schema, int id) {
    this.id = id;
    this.writer = new GenericDatumWriter<>(schema);
    this.reader = new GenericDatumReader<>(schema);
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    return (topic, value) -> {
      if (value == null) return null;
      buffer.reset();
      buffer.write(0);
      buffer.write(id >>> 24);
      buffer.write(id >>> 16);
      buffer.write(id >>> 8);
      buffer.write(id);
      encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
      try {
        writer.write(value, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("encoding a " + value.getSchema().getFullName() + " for " + topic, e);
      }
      return buffer.toByteArray();
    };
  }

  @Override
  public Deserializer<GenericRecord> deserializer() {
    return (topic, data) -> {
      if (data == null) return null;
      if (data.length < 5 || data[0] != 0) throw new IllegalArgumentException("value on " + topic + " is not in the wire format (magic byte 0 + 4-byte id)");
      int writerId = ByteBuffer.wrap(data, 1, 4).getInt();
      if (writerId != id) throw new IllegalArgumentException("value on " + topic + " has schema id " + writerId + ", expected " + id);
      decoder = DecoderFactory.get().binaryDecoder(data, 5, data.length - 5, decoder);
      try {
        return reader.read(null, decoder);
      } catch (IOException e) {
        throw new UncheckedIOException("decoding a value on " + topic, e);
      }
    };
  }
}
