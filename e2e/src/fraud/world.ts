/**
 * The simulated world the payments happen in: cities (where cardholders live
 * and merchants have terminals), merchant categories with their typical
 * amounts, and each city's merchants. The world is the same for every seed
 * (its generators are seeded by constants), so a merchant id means the same
 * shop in every simulation; the seed decides the cards and what they do.
 */
import { mixSeed, Random } from '../simulator/random.js';

export interface City {
  /** Three-letter code used in merchant ids. */
  readonly code: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** ISO 4217 currency of the cards issued to people living there. */
  readonly currency: string;
  /** Relative share of the cardholders living there. */
  readonly weight: number;
}

/** Home cities of the cardholders (weights: roughly by population of the issuer's market), and destinations of trips and of cloned cards. */
export const CITIES: readonly City[] = [
  { code: 'BER', name: 'Berlin', lat: 52.52, lon: 13.405, currency: 'EUR', weight: 8 },
  { code: 'MUC', name: 'Munich', lat: 48.137, lon: 11.575, currency: 'EUR', weight: 4 },
  { code: 'HAM', name: 'Hamburg', lat: 53.551, lon: 9.993, currency: 'EUR', weight: 4 },
  { code: 'PAR', name: 'Paris', lat: 48.857, lon: 2.352, currency: 'EUR', weight: 8 },
  { code: 'MAD', name: 'Madrid', lat: 40.417, lon: -3.704, currency: 'EUR', weight: 5 },
  { code: 'ROM', name: 'Rome', lat: 41.903, lon: 12.496, currency: 'EUR', weight: 4 },
  { code: 'AMS', name: 'Amsterdam', lat: 52.368, lon: 4.904, currency: 'EUR', weight: 3 },
  { code: 'VIE', name: 'Vienna', lat: 48.208, lon: 16.373, currency: 'EUR', weight: 2 },
  { code: 'LON', name: 'London', lat: 51.507, lon: -0.128, currency: 'GBP', weight: 7 },
  { code: 'MAN', name: 'Manchester', lat: 53.481, lon: -2.242, currency: 'GBP', weight: 2 },
  { code: 'NYC', name: 'New York', lat: 40.713, lon: -74.006, currency: 'USD', weight: 3 },
  { code: 'SIN', name: 'Singapore', lat: 1.352, lon: 103.82, currency: 'SGD', weight: 1 },
];

export type MerchantCategory = 'grocery' | 'restaurant' | 'cafe' | 'fuel' | 'retail' | 'pharmacy' | 'transport' | 'electronics' | 'atm' | 'online' | 'luxury';

export interface CategoryProfile {
  /** Median amount (log-normal), in the card's currency unit. */
  readonly median: number;
  /** Standard deviation of log(amount). */
  readonly sigma: number;
  /** Share of a city's (or the web's) merchants in this category. */
  readonly share: number;
}

/** Typical amounts per category: log-normal, as card amounts are (many small, a long tail). ATM amounts are drawn as round notes instead. */
export const CATEGORIES: Readonly<Record<MerchantCategory, CategoryProfile>> = {
  grocery: { median: 32, sigma: 0.6, share: 0.26 },
  restaurant: { median: 28, sigma: 0.5, share: 0.15 },
  cafe: { median: 6, sigma: 0.4, share: 0.12 },
  fuel: { median: 55, sigma: 0.35, share: 0.06 },
  retail: { median: 55, sigma: 0.7, share: 0.15 },
  pharmacy: { median: 18, sigma: 0.5, share: 0.06 },
  transport: { median: 9, sigma: 0.6, share: 0.08 },
  electronics: { median: 160, sigma: 0.9, share: 0.04 },
  atm: { median: 100, sigma: 0.6, share: 0.06 },
  luxury: { median: 450, sigma: 0.7, share: 0.02 },
  online: { median: 38, sigma: 0.9, share: 0 },
};

export interface Merchant {
  readonly merchantId: string;
  readonly category: MerchantCategory;
  /** Terminal position; null for a web shop (its payments have no location). */
  readonly lat: number | null;
  readonly lon: number | null;
  /** Index into CITIES; -1 for a web shop. */
  readonly city: number;
}

/** Merchants per city. */
export const MERCHANTS_PER_CITY = 150;
/** Web shops where cardholders buy. */
export const WEB_SHOPS = 200;
/** Small web merchants whose checkout fraudsters use to test stolen card numbers. */
export const TESTING_MERCHANTS = 300;

const WORLD_SEED = 0x70a1d;

function pickCategory(random: Random): MerchantCategory {
  let u = random.next();
  for (const [name, profile] of Object.entries(CATEGORIES) as [MerchantCategory, CategoryProfile][]) {
    u -= profile.share;
    if (u < 0) return name;
  }
  return 'retail';
}

/** Offsets a position by a normal scatter of `sdKm` in each direction (flat approximation: a city is small). */
export function scatter(random: Random, lat: number, lon: number, sdKm: number): { lat: number; lon: number } {
  const dLat = random.normal(0, sdKm) / 111.2;
  const dLon = random.normal(0, sdKm) / (111.2 * Math.cos((lat * Math.PI) / 180));
  return { lat: Number((lat + dLat).toFixed(6)), lon: Number((lon + dLon).toFixed(6)) };
}

function buildCityMerchants(cityIndex: number): Merchant[] {
  const city = CITIES[cityIndex] as City;
  const random = new Random(mixSeed(WORLD_SEED, cityIndex));
  return Array.from({ length: MERCHANTS_PER_CITY }, (_, i) => {
    const position = scatter(random, city.lat, city.lon, 5);
    return { merchantId: `m-${city.code.toLowerCase()}-${String(i + 1).padStart(4, '0')}`, category: pickCategory(random), lat: position.lat, lon: position.lon, city: cityIndex };
  });
}

/** Each city's merchants, CITIES order. */
export const CITY_MERCHANTS: readonly (readonly Merchant[])[] = CITIES.map((_, i) => buildCityMerchants(i));

/** Web shops: everyday online purchases (a few luxury/electronics stores among them, for big online spends). */
export const WEB_MERCHANTS: readonly Merchant[] = Array.from({ length: WEB_SHOPS }, (_, i) => ({
  merchantId: `m-web-${String(i + 1).padStart(4, '0')}`,
  category: i % 10 === 0 ? 'luxury' : i % 10 === 1 ? 'electronics' : 'online',
  lat: null,
  lon: null,
  city: -1,
}));

/** Testing merchants: donation pages, small subscriptions — what card-testing bots hit. */
export const TESTING_WEB_MERCHANTS: readonly Merchant[] = Array.from({ length: TESTING_MERCHANTS }, (_, i) => ({
  merchantId: `m-webt-${String(i + 1).padStart(4, '0')}`,
  category: 'online',
  lat: null,
  lon: null,
  city: -1,
}));

/** Relative activity by local hour (0–23): quiet at night, a lunch peak and an early-evening peak. */
export const HOURLY_ACTIVITY: readonly number[] = [0.1, 0.05, 0.03, 0.03, 0.05, 0.2, 0.5, 1.0, 1.3, 1.2, 1.2, 1.5, 2.0, 1.6, 1.2, 1.2, 1.4, 1.8, 2.0, 1.7, 1.3, 0.9, 0.5, 0.25];
