import type { AvroSchema } from '@tributary/avro';
import { CardholderSchema, EnrichedPaymentSchema, PaymentSchema, type Cardholder, type Payment } from '@tributary/schemas';
import type { GenericRecord, JoinTopologyOptions } from '../src/index.js';
import { avroBinarySerde } from './avro-binary-serde.js';

/** The fraud pipeline's JOIN_FIELDS (contract: PaymentEnriched = Payment + matched + these). */
export const FRAUD_JOIN_FIELDS = 'homeLat,homeLon,creditLimit,riskSegment';

/** Registry-free Avro serdes of the fraud schemas, typed as the join mode sees them (generic records). */
export const fraudSerdes: JoinTopologyOptions['serdes'] = {
  input: avroBinarySerde<GenericRecord>({ schema: PaymentSchema.schema }),
  reference: avroBinarySerde<GenericRecord>({ schema: CardholderSchema.schema }),
  output: avroBinarySerde<GenericRecord>({ schema: EnrichedPaymentSchema.schema }),
};

export const T0 = Date.UTC(2026, 10, 20, 9, 30, 0);

export function payment(cardId: string, overrides: Partial<Payment> = {}): Payment {
  return {
    paymentId: `${cardId}-p1`,
    cardId,
    merchantId: 'M-0001',
    amount: 42.5,
    currency: 'EUR',
    lat: 52.37,
    lon: 4.89,
    eventTime: new Date(T0),
    channel: 'POS',
    ...overrides,
  };
}

export function cardholder(cardId: string, overrides: Partial<Cardholder> = {}): Cardholder {
  return {
    cardId,
    homeLat: 52.1,
    homeLon: 5.12,
    creditLimit: 2500,
    riskSegment: 'LOW',
    currency: 'EUR',
    issuedAt: new Date(T0 - 400 * 86_400_000),
    ...overrides,
  };
}

interface FieldDef {
  readonly name: string;
  readonly type: unknown;
}

/** A copy of a record schema with its fields transformed (for schema-check cases). */
export function withFields(schema: AvroSchema, edit: (fields: FieldDef[]) => FieldDef[]): AvroSchema {
  const record = schema as { fields: FieldDef[] };
  return { ...record, fields: edit(record.fields) } as AvroSchema;
}
