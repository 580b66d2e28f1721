/**
 * The JSON an HTTP client posts to ingest (INGEST_TOPIC=fraud.payments) for
 * a payment: `eventTime` in epoch ms (an integer, which ingest's validator
 * accepts for timestamp-millis), `lat`/`lon` a number or null (plain JSON:
 * the schema's unions are not wrapped), `channel` the enum symbol.
 */
import type { Payment, PaymentChannel } from '@tributary/schemas';

/** The JSON form of a Payment as posted to ingest. */
export interface PaymentJson {
  paymentId: string;
  cardId: string;
  merchantId: string;
  amount: number;
  currency: string;
  lat: number | null;
  lon: number | null;
  /** Epoch milliseconds. */
  eventTime: number;
  channel: PaymentChannel;
}

/** A payment as the body (or one line of an NDJSON body) posted to ingest. */
export function paymentToJson(payment: Payment): PaymentJson {
  return {
    paymentId: payment.paymentId,
    cardId: payment.cardId,
    merchantId: payment.merchantId,
    amount: payment.amount,
    currency: payment.currency,
    lat: payment.lat,
    lon: payment.lon,
    eventTime: payment.eventTime.getTime(),
    channel: payment.channel,
  };
}
