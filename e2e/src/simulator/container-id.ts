/**
 * ISO 6346 container numbers: a 3-letter owner code, a category letter
 * (`U` for freight containers), a 6-digit serial and a check digit.
 */
import type { Random } from './random.js';

/** Letter values of ISO 6346: A=10 upwards, skipping the multiples of 11 (A=10, B=12 … K=21, L=23 … U=32, V=34 … Z=38). */
const LETTER_VALUES: ReadonlyMap<string, number> = (() => {
  const values = new Map<string, number>();
  let value = 10;
  for (let code = 65; code <= 90; code++) {
    if (value % 11 === 0) value++;
    values.set(String.fromCharCode(code), value);
    value++;
  }
  return values;
})();

/** Σ value(cᵢ)·2ⁱ mod 11 over owner code, category and serial. */
function remainder(first10: string): number {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const c = first10.charAt(i);
    const value = i < 4 ? (LETTER_VALUES.get(c) as number) : c.charCodeAt(0) - 48;
    sum += value * 2 ** i;
  }
  return sum % 11;
}

/** The check digit of the first 10 characters (owner code, category, serial); a remainder of 10 gives 0. */
export function checkDigit(first10: string): number {
  if (!/^[A-Z]{4}\d{6}$/.test(first10)) throw new RangeError(`not an ISO 6346 owner code + serial: ${first10}`);
  return remainder(first10) % 10;
}

/** True when `id` is 4 letters, 6 digits and the right check digit. */
export function isValidContainerId(id: string): boolean {
  return /^[A-Z]{4}\d{7}$/.test(id) && checkDigit(id.slice(0, 10)) === Number(id.charAt(10));
}

/** Owner prefixes of real reefer fleets (carriers and lessors), category `U`. */
const OWNER_PREFIXES = ['MNBU', 'MSKU', 'MSCU', 'CMAU', 'CGMU', 'HLXU', 'OOLU', 'TCLU', 'SZLU', 'TRIU', 'CAIU', 'SEGU'] as const;

/**
 * A fresh container number not in `taken`. Serials whose remainder is 10 are
 * skipped: ISO 6346 advises against them, as their check digit 0 would be
 * shared with remainder 0.
 */
export function newContainerId(random: Random, taken: ReadonlySet<string>): string {
  for (;;) {
    const first10 = random.pick(OWNER_PREFIXES) + String(random.int(0, 999_999)).padStart(6, '0');
    const r = remainder(first10);
    if (r === 10) continue;
    const id = first10 + String(r);
    if (!taken.has(id)) return id;
  }
}
