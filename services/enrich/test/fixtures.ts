import { ContainerReferenceSchema, EnrichedReadingSchema, SensorReadingSchema, type ContainerReference, type SensorReading } from '@tributary/schemas';
import type { EnrichSerdes } from '../src/index.js';
import { avroBinarySerde } from './avro-binary-serde.js';

export const serdes: EnrichSerdes = {
  reading: avroBinarySerde(SensorReadingSchema),
  reference: avroBinarySerde(ContainerReferenceSchema),
  enriched: avroBinarySerde(EnrichedReadingSchema),
};

export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

export function reading(containerId: string, overrides: Partial<SensorReading> = {}): SensorReading {
  return {
    containerId,
    eventTime: new Date(T0),
    temperatureC: -17.5,
    humidityPct: 81.25,
    coolingPowerKw: 3.5,
    doorOpen: false,
    gForce: 1.02,
    gps: { latitudeDeg: 51.9, longitudeDeg: 4.48, accuracyM: 5 },
    ...overrides,
  };
}

export function reference(containerId: string, overrides: Partial<ContainerReference> = {}): ContainerReference {
  return {
    containerId,
    shipmentId: '7d8f9a6e-3b1c-4c2d-9e8f-0a1b2c3d4e5f',
    cargoClass: 'FROZEN',
    cargoDescription: 'frozen fish',
    setpointC: -18,
    toleranceC: 1.5,
    cargoValueUsd: '125000.50',
    loadedOn: '2025-01-10',
    updatedAt: new Date(T0 - 86_400_000),
    ...overrides,
  };
}
