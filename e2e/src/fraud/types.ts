/** The payments simulator's public shapes. */
import type { Cardholder, Payment } from '@tributary/schemas';

/** The labelled fraud patterns. */
export type FraudPattern =
  /** Bursts of small online payments at many merchants within minutes (a bot checking stolen card numbers), sometimes a cash-out after. */
  | 'card-testing'
  /** A located payment far (≥ 1500 km) from the card's previous one, minutes after it (a cloned card), and a few more there. */
  | 'impossible-travel'
  /** One to three large payments within half an hour, together 70–98 % of the credit limit (an account taken over and emptied). */
  | 'big-spend';

export const FRAUD_PATTERNS: readonly FraudPattern[] = ['card-testing', 'impossible-travel', 'big-spend'];

/** Drift of the inputs, for drift tests: the same simulation with its amounts scaled. */
export interface PaymentShift {
  /** Every amount × this factor (rounded to cents, at least 0.01). Default 1. */
  readonly amountFactor?: number;
}

export interface PaymentSimulationOptions {
  /** Seed of every random choice: the same options give the same cardholders and payments. */
  readonly seed: number;
  /** Number of cards (≥ 1). */
  readonly cards: number;
  /** Epoch ms: payments have eventTime in [startTime, startTime + durationMs). */
  readonly startTime: number;
  /** Length of the run, ms (≥ 60 000). */
  readonly durationMs: number;
  /** Share of cards with one fraud episode in the run (rounded to a whole count; default 0.05). */
  readonly fraudShare?: number;
  /** Share of cards without a cardholder record, whose payments enrich leaves unmatched (rounded; default 0.02). */
  readonly unknownCardShare?: number;
  /** Share of cards whose holder takes a trip (flies to another city and pays there; legitimate; default 0.03). */
  readonly travelShare?: number;
  /** Drift: see PaymentShift (default none). */
  readonly shift?: PaymentShift;
}

/** One payment with its ground truth, kept beside the record (the record itself carries no label). */
export interface LabelledPayment {
  readonly payment: Payment;
  /** True when the payment was made by a fraudster. */
  readonly fraud: boolean;
  /** Which fraud pattern it belongs to; null for a legitimate payment. */
  readonly pattern: FraudPattern | null;
}

/** A card with the ground truth tests and training need. */
export interface SimulatedCard {
  readonly cardId: string;
  /** False when the card has no cardholder record (enrich leaves its payments unmatched). */
  readonly known: boolean;
  /** Home city (CITIES[].name) and position. */
  readonly homeCity: string;
  readonly homeLat: number;
  readonly homeLon: number;
  readonly creditLimit: number;
  readonly currency: string;
  /** Mean legitimate payments per day. */
  readonly paymentsPerDay: number;
  /** The fraud episode, if the card has one: its pattern and when it starts (epoch ms). */
  readonly fraud: { readonly pattern: FraudPattern; readonly at: number } | null;
  /** The legitimate trip, if the holder takes one: destination city, departure and return (epoch ms). */
  readonly trip: { readonly city: string; readonly departs: number; readonly returns: number } | null;
}

export interface SimulatedPayments {
  readonly options: Readonly<Required<Omit<PaymentSimulationOptions, 'shift'>>> & { readonly shift: Required<PaymentShift> };
  /** Cardholder records of the known cards: publish them to fraud.cardholders (key = cardId) before posting payments. */
  readonly cardholders: readonly Cardholder[];
  readonly cards: readonly SimulatedCard[];
  /**
   * Every payment in posting order: ascending eventTime (ties in card order).
   * Event times are distinct within a card, so a card's payments are also in
   * eventTime order.
   */
  readonly payments: readonly LabelledPayment[];
  /** startTime + durationMs: no payment has eventTime at or after it. */
  readonly endTime: number;
}
