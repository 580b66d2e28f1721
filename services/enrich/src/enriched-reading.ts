import type { ContainerReference, EnrichedReading, SensorReading } from '@tributary/schemas';

/**
 * A reading with its container's reference data: cargo class, setpoint,
 * tolerance and the deviation from the setpoint (`temperatureC − setpointC`).
 * Without a reference the reading passes with `matched: false` and nulls.
 */
export function enrichReading(reading: SensorReading, reference: ContainerReference | undefined): EnrichedReading {
  const base = {
    containerId: reading.containerId,
    eventTime: reading.eventTime,
    temperatureC: reading.temperatureC,
    humidityPct: reading.humidityPct,
    coolingPowerKw: reading.coolingPowerKw,
    doorOpen: reading.doorOpen,
    gForce: reading.gForce,
    gps: reading.gps,
  };
  if (reference === undefined) {
    return { ...base, matched: false, cargoClass: null, setpointC: null, toleranceC: null, deviationC: null };
  }
  return {
    ...base,
    matched: true,
    cargoClass: reference.cargoClass,
    setpointC: reference.setpointC,
    toleranceC: reference.toleranceC,
    deviationC: reading.temperatureC - reference.setpointC,
  };
}
