/**
 * The JSON an HTTP client posts to ingest for a reading. `eventTime` is
 * epoch milliseconds (an integer), which `JsonValidator` from
 * @tributary/avro accepts for `timestamp-millis` (as it does ISO-8601 with a
 * zone); `gps` is a nested object or null, as the schema's union is not
 * wrapped in plain JSON.
 */
import type { SensorReading } from '@tributary/schemas';

/** The JSON form of a SensorReading as posted to ingest. */
export interface SensorReadingJson {
  containerId: string;
  /** Epoch milliseconds. */
  eventTime: number;
  temperatureC: number;
  humidityPct: number;
  coolingPowerKw: number;
  doorOpen: boolean;
  gForce: number;
  gps: { latitudeDeg: number; longitudeDeg: number; accuracyM: number | null } | null;
}

/** A reading as the body (or one element of a batch body) an HTTP client posts to ingest. */
export function toJson(reading: SensorReading): SensorReadingJson {
  return {
    containerId: reading.containerId,
    eventTime: reading.eventTime.getTime(),
    temperatureC: reading.temperatureC,
    humidityPct: reading.humidityPct,
    coolingPowerKw: reading.coolingPowerKw,
    doorOpen: reading.doorOpen,
    gForce: reading.gForce,
    gps: reading.gps === null ? null : { latitudeDeg: reading.gps.latitudeDeg, longitudeDeg: reading.gps.longitudeDeg, accuracyM: reading.gps.accuracyM },
  };
}
