/**
 * Cargo classes: what a reefer carries sets its setpoint, how tight the band
 * is, the humidity it holds and how hard its cooling unit works.
 */
import type { CargoClass } from '@tributary/schemas';
import type { Random } from './random.js';

export interface CargoProfile {
  /** Setpoints a shipper might choose for this class, degrees Celsius. */
  readonly setpointsC: readonly number[];
  /** Allowed deviation either side of the setpoint, degrees Celsius (the reference record's toleranceC). */
  readonly toleranceC: number;
  /** Thermostat hysteresis: the compressor starts above setpoint + band/2 and stops below setpoint − band/2. */
  readonly bandC: number;
  /** Relative humidity the unit settles at with the door shut, percent. */
  readonly humidityPct: number;
  /** Electrical draw with the compressor running at 25 °C ambient, kW (fans included). */
  readonly compressorKw: number;
  /** Electrical draw with the compressor off (evaporator fans, controller), kW. */
  readonly idleKw: number;
  /** Cooling capacity: how fast a running compressor pulls the air down, °C per second (before heat leaking in). */
  readonly pullDownCPerS: number;
  /** Descriptions for the reference record. */
  readonly descriptions: readonly string[];
  /** Declared cargo value range, US dollars. */
  readonly valueUsd: readonly [number, number];
}

/** The classes, each with a share of the fleet. */
export const CARGO_PROFILES: Readonly<Record<CargoClass, CargoProfile & { readonly share: number }>> = {
  FROZEN: {
    share: 0.3,
    setpointsC: [-18, -20, -20, -22, -25],
    toleranceC: 2,
    bandC: 1.2,
    humidityPct: 78,
    compressorKw: 4.6,
    idleKw: 0.35,
    pullDownCPerS: 0.0125,
    descriptions: ['frozen shrimp, IQF', 'frozen beef cuts', 'frozen chicken legs', 'ice cream', 'frozen fries'],
    valueUsd: [40_000, 180_000],
  },
  CHILLED: {
    share: 0.25,
    setpointsC: [2, 2.5, 3, 3.5, 4],
    toleranceC: 1,
    bandC: 0.6,
    humidityPct: 88,
    compressorKw: 3.3,
    idleKw: 0.6,
    pullDownCPerS: 0.0085,
    descriptions: ['chilled lamb carcasses', 'fresh salmon', 'dairy, cheese', 'chilled pork bellies'],
    valueUsd: [60_000, 250_000],
  },
  PHARMA: {
    share: 0.1,
    setpointsC: [5],
    toleranceC: 3,
    bandC: 0.5,
    humidityPct: 45,
    compressorKw: 3.0,
    idleKw: 0.55,
    pullDownCPerS: 0.009,
    descriptions: ['vaccines, 2-8 °C', 'insulin pens', 'biologics, monoclonal antibodies'],
    valueUsd: [500_000, 5_000_000],
  },
  PRODUCE: {
    share: 0.25,
    setpointsC: [8, 9, 10, 11, 12],
    toleranceC: 1.5,
    bandC: 0.8,
    humidityPct: 91,
    compressorKw: 3.1,
    idleKw: 0.65,
    pullDownCPerS: 0.008,
    descriptions: ['avocados, Hass', 'pineapples, MD2', 'citrus, lemons', 'mangoes, Kent', 'cucumbers'],
    valueUsd: [20_000, 90_000],
  },
  OTHER: {
    share: 0.1,
    setpointsC: [15],
    toleranceC: 5,
    bandC: 1,
    humidityPct: 60,
    compressorKw: 2.6,
    idleKw: 0.45,
    pullDownCPerS: 0.007,
    descriptions: ['chocolate', 'wine, bottled', 'flower bulbs', 'photographic film'],
    valueUsd: [15_000, 120_000],
  },
};

const CLASSES = Object.keys(CARGO_PROFILES) as CargoClass[];

/** A cargo class drawn by the classes' shares. */
export function drawCargoClass(random: Random): CargoClass {
  let u = random.next();
  for (const cargoClass of CLASSES) {
    u -= CARGO_PROFILES[cargoClass].share;
    if (u < 0) return cargoClass;
  }
  return 'OTHER';
}
