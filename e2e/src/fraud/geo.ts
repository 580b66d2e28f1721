/**
 * Great-circle distance, written here for the oracle and the simulator
 * rather than imported from the aggregate operator: the oracle must reach
 * the pipeline's answer along an independent path.
 */

/** Mean Earth radius (IUGG), km: the radius the PaymentFeatures contract uses for kmFromLast. */
export const EARTH_RADIUS_KM = 6371.0088;

const radians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Haversine distance in kilometres between two WGS 84 positions in decimal degrees (on a sphere of EARTH_RADIUS_KM). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = radians(lat2 - lat1);
  const dLon = radians(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLon / 2) ** 2;
  // min(1, …): rounding can push a for antipodal points a hair above 1, where asin is NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
