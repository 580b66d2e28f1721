/**
 * Where a container travels: a polyline of waypoints followed at a constant
 * speed, and the climate along it (ambient temperature and humidity with a
 * day/night cycle in local solar time).
 */
import type { Random } from './random.js';

export interface Route {
  readonly name: string;
  /** Waypoints as [latitudeDeg, longitudeDeg]. */
  readonly waypoints: readonly (readonly [number, number])[];
  /** Transport mode: sets the speed and how much the container is shaken. */
  readonly mode: 'sea' | 'road' | 'rail';
  /** Daily mean ambient temperature along the route, °C. */
  readonly ambientMeanC: number;
  /** Half the day/night swing, °C. */
  readonly ambientSwingC: number;
}

/** A handful of real reefer lanes; long enough that no run of a few hours reaches the end. */
export const ROUTES: readonly Route[] = [
  { name: 'Guayaquil → Panama (sea)', mode: 'sea', ambientMeanC: 27, ambientSwingC: 3, waypoints: [[-2.28, -79.91], [-1.0, -81.2], [3.5, -80.6], [7.2, -79.9], [8.9, -79.5]] },
  { name: 'Rotterdam → Hamburg (road, A1)', mode: 'road', ambientMeanC: 12, ambientSwingC: 5, waypoints: [[51.95, 4.14], [52.1, 5.1], [52.28, 7.0], [52.6, 8.3], [53.08, 8.8], [53.55, 9.97]] },
  { name: 'Valencia → Madrid (road, A3)', mode: 'road', ambientMeanC: 22, ambientSwingC: 7, waypoints: [[39.45, -0.32], [39.47, -0.9], [39.55, -1.8], [40.05, -2.9], [40.4, -3.7]] },
  { name: 'Algeciras → Rotterdam (sea)', mode: 'sea', ambientMeanC: 17, ambientSwingC: 2.5, waypoints: [[36.13, -5.43], [36.0, -9.5], [43.3, -9.8], [48.5, -5.5], [50.5, 0.5], [51.95, 4.05]] },
  { name: 'Chicago → Los Angeles (rail)', mode: 'rail', ambientMeanC: 19, ambientSwingC: 8, waypoints: [[41.85, -87.65], [40.8, -91.1], [39.1, -94.6], [35.2, -101.8], [35.1, -106.6], [34.05, -118.24]] },
  { name: 'Singapore → Port Klang (sea)', mode: 'sea', ambientMeanC: 29, ambientSwingC: 2, waypoints: [[1.26, 103.82], [1.9, 102.8], [2.5, 101.6], [3.0, 101.39]] },
];

/** Speed by mode, km/h: (min, max) for a leg. */
const SPEED_KMH: Readonly<Record<Route['mode'], readonly [number, number]>> = { sea: [28, 38], road: [55, 85], rail: [45, 75] };

const EARTH_RADIUS_KM = 6371;

function haversineKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));
}

/**
 * A container's trip: a route, a starting point along it and a speed.
 * `positionAt` walks forward monotonically (the simulator asks for
 * increasing times), so each call is O(1) amortised.
 */
export class Trip {
  readonly route: Route;
  readonly speedKmPerS: number;
  private readonly legKm: readonly number[];
  private leg = 0;
  private legStartKm = 0;
  private readonly startKm: number;

  constructor(random: Random) {
    this.route = random.pick(ROUTES);
    const [min, max] = SPEED_KMH[this.route.mode];
    this.speedKmPerS = random.uniform(min, max) / 3600;
    const legKm: number[] = [];
    for (let i = 1; i < this.route.waypoints.length; i++) {
      legKm.push(haversineKm(this.route.waypoints[i - 1] as [number, number], this.route.waypoints[i] as [number, number]));
    }
    this.legKm = legKm;
    const total = legKm.reduce((a, b) => a + b, 0);
    this.startKm = random.uniform(0, total * 0.6);
  }

  /** Position after `elapsedS` seconds of travel; stays at the last waypoint once there (arrived). */
  positionAt(elapsedS: number): { latitudeDeg: number; longitudeDeg: number; moving: boolean } {
    const km = this.startKm + this.speedKmPerS * elapsedS;
    // A new pass over the same trip (another posts() call) starts from the beginning again.
    if (km < this.legStartKm) {
      this.leg = 0;
      this.legStartKm = 0;
    }
    while (this.leg < this.legKm.length && km > this.legStartKm + (this.legKm[this.leg] as number)) {
      this.legStartKm += this.legKm[this.leg] as number;
      this.leg++;
    }
    const points = this.route.waypoints;
    if (this.leg >= this.legKm.length) {
      const last = points[points.length - 1] as readonly [number, number];
      return { latitudeDeg: last[0], longitudeDeg: last[1], moving: false };
    }
    const from = points[this.leg] as readonly [number, number];
    const to = points[this.leg + 1] as readonly [number, number];
    const f = (km - this.legStartKm) / (this.legKm[this.leg] as number);
    return { latitudeDeg: from[0] + (to[0] - from[0]) * f, longitudeDeg: from[1] + (to[1] - from[1]) * f, moving: true };
  }
}

/**
 * Ambient temperature at a place and time: the route's mean plus a sinusoid
 * peaking at 15:00 local solar time (longitude / 15 hours from UTC).
 */
export function ambientC(route: Route, epochMs: number, longitudeDeg: number): number {
  const localHours = (((epochMs / 3_600_000 + longitudeDeg / 15) % 24) + 24) % 24;
  return route.ambientMeanC + route.ambientSwingC * Math.cos((2 * Math.PI * (localHours - 15)) / 24);
}
