/**
 * LOOKBACK_FEATURES: the grammar (what parses, to what; every error names
 * the variable and the item), AGGREGATE_MODE=lookback in loadConfig, and the checks
 * against the input and output schemas made at start.
 */
import { describe, expect, it } from 'vitest';
import { RegistryClient, type AvroSchema, type SubjectVersion } from '@tributary/avro';
import { EnrichedPaymentSchema, PaymentFeaturesSchema } from '@tributary/schemas';
import { ConfigError } from '@tributary/streams';
import { checkInputFields, checkOutputSchema, loadConfig, longestRange, parseLookbackFeatures, prepareLookback, splitFeatureItems } from '../src/index.js';
import { FRAUD_FEATURES, OTHER_FEATURES, OTHER_OUTPUT_SCHEMA } from './lookback-fixtures.js';

const fail = (raw: string) => () => parseLookbackFeatures(raw);

describe('LOOKBACK_FEATURES grammar', () => {
  it('parses the fraud example: names, functions, fields and ranges in ms', () => {
    expect(parseLookbackFeatures(FRAUD_FEATURES).map((f) => [f.name, f.fn, f.fields, f.range])).toEqual([
      ['count10m', 'count', [], 600_000],
      ['amountSum10m', 'sum', ['amount'], 600_000],
      ['amountSum24h', 'sum', ['amount'], 86_400_000],
      ['merchants24h', 'distinct', ['merchantId'], 86_400_000],
      ['count24h', 'count', [], 86_400_000],
      ['kmFromLast', 'distance', ['lat', 'lon'], 'last'],
    ]);
  });

  it('every function and unit; count and count() alike; spaces ignored; the token is kept for messages', () => {
    const parsed = parseLookbackFeatures(` a = min( x ) : 30s , b=max(x):2m,c=avg(x):3h,d=count():1d, e=distance(la, lo):15m, f=distinct(s):7d`);
    expect(parsed.map((f) => [f.name, f.fn, f.fields, f.range])).toEqual([
      ['a', 'min', ['x'], 30_000],
      ['b', 'max', ['x'], 120_000],
      ['c', 'avg', ['x'], 10_800_000],
      ['d', 'count', [], 86_400_000],
      ['e', 'distance', ['la', 'lo'], 900_000],
      ['f', 'distinct', ['s'], 604_800_000],
    ]);
    expect(parsed[0]?.token).toBe('a = min( x ) : 30s');
    expect(longestRange(parsed)).toBe(604_800_000);
    expect(longestRange(parseLookbackFeatures('k=distance(a,b):last'))).toBe(0);
  });

  it('splits at commas outside parentheses only', () => {
    expect(splitFeatureItems('a=count:1m,k=distance(lat,lon):last,,b=sum(x):1h')).toEqual(['a=count:1m', 'k=distance(lat,lon):last', 'b=sum(x):1h']);
  });

  it('errors name the variable and the item, and say what is wrong', () => {
    const cases: [string, string][] = [
      ['count10m', 'no "=" between the name and the function'],
      ['n=count', 'no ":range" after the function'],
      ['1n=count:1m', 'the name "1n" is not an identifier'],
      ['n=median(x):1m', 'unknown function "median"'],
      ['n=sum:1m', 'sum takes one field, got 0'],
      ['n=sum(a,b):1m', 'sum takes one field, got 2'],
      ['n=count(x):1m', 'count takes no field, got 1'],
      ['n=distance(lat):last', 'distance takes two fields (latitude, longitude), got 1'],
      ['n=sum(a.b):1m', 'the field "a.b" is not an identifier'],
      ['n=sum(x):10', 'cannot read the range "10"'],
      ['n=sum(x):1w', 'cannot read the range "1w"'],
      ['n=sum(x):0m', 'cannot read the range "0m"'],
      ['n=sum(x):1.5h', 'cannot read the range "1.5h"'],
      ['n=sum(x):last', '"last" is a range for distance only; sum needs a duration'],
      ['n=count:last', '"last" is a range for distance only; count needs a duration'],
    ];
    for (const [item, why] of cases) {
      expect(fail(`ok=count:1m,${item}`), item).toThrow(ConfigError);
      expect(fail(`ok=count:1m,${item}`), item).toThrow(`LOOKBACK_FEATURES item ${JSON.stringify(item)} is invalid: ${why}`);
    }
    expect(fail('a=count:1m,a=sum(x):1h')).toThrow(new ConfigError('LOOKBACK_FEATURES names feature "a" twice'));
    expect(fail(' , ')).toThrow('LOOKBACK_FEATURES is empty');
  });
});

describe('aggregate config: AGGREGATE_MODE', () => {
  it('defaults to windows; lookback needs LOOKBACK_FEATURES, checked for syntax at load', () => {
    expect(loadConfig({})).toMatchObject({ AGGREGATE_MODE: 'windows', EVENT_TIME_FIELD: 'eventTime', LOOKBACK_GRACE_MS: 300_000, LOOKBACK_FEATURES: undefined });
    expect(() => loadConfig({ AGGREGATE_MODE: 'lookback' })).toThrow(new ConfigError('LOOKBACK_FEATURES is not set: AGGREGATE_MODE=lookback needs the features to compute (e.g. count10m=count:10m)'));
    expect(() => loadConfig({ AGGREGATE_MODE: 'lookback', LOOKBACK_FEATURES: 'n=sum(x):1w' })).toThrow('LOOKBACK_FEATURES item "n=sum(x):1w" is invalid');
    expect(() => loadConfig({ AGGREGATE_MODE: 'sessions' })).toThrow(new ConfigError('AGGREGATE_MODE="sessions" is invalid: expected one of "windows", "lookback"'));
    expect(loadConfig({ AGGREGATE_MODE: 'lookback', LOOKBACK_FEATURES: FRAUD_FEATURES, EVENT_TIME_FIELD: 'at', LOOKBACK_KEY_FIELD: 'cardId', LOOKBACK_GRACE_MS: '0' })).toMatchObject({
      AGGREGATE_MODE: 'lookback',
      LOOKBACK_FEATURES: FRAUD_FEATURES,
      EVENT_TIME_FIELD: 'at',
      LOOKBACK_KEY_FIELD: 'cardId',
      LOOKBACK_GRACE_MS: 0,
    });
  });
});

describe('LOOKBACK_FEATURES against the schemas', () => {
  const input = EnrichedPaymentSchema.schema;
  const base = { inputSchema: input, inputName: 'subject fraud.payments.enriched-value v1', eventTimeField: 'eventTime' };
  const AVAILABLE = 'numeric fields: amount, lat, lon, homeLat, homeLon, creditLimit; string fields: paymentId, cardId, merchantId, currency, channel, riskSegment';
  const inputCheck = (features: string, extra: Partial<typeof base & { keyField: string }> = {}) => () =>
    checkInputFields({ ...base, ...extra, features: parseLookbackFeatures(features) });

  it('accepts the fraud and the other example features over EnrichedPayment', () => {
    expect(inputCheck(FRAUD_FEATURES, { keyField: 'cardId' })).not.toThrow();
    expect(inputCheck(OTHER_FEATURES)).not.toThrow();
  });

  it('an unknown field or one of the wrong type: names the item, the field and the available fields', () => {
    expect(inputCheck('s=sum(amout):1h')).toThrow(
      new ConfigError(`LOOKBACK_FEATURES item "s=sum(amout):1h": "amout" is not a field of the input record (subject fraud.payments.enriched-value v1); ${AVAILABLE}`),
    );
    expect(inputCheck('s=max(merchantId):1h')).toThrow(`LOOKBACK_FEATURES item "s=max(merchantId):1h": "merchantId" is not a numeric field of the input record`);
    expect(inputCheck('k=distance(lat,channel):last')).toThrow(`"channel" is not a numeric field`);
    expect(inputCheck('d=distinct(matched):1h')).toThrow(`"matched" is not a numeric or string field of the input record (subject fraud.payments.enriched-value v1); ${AVAILABLE}`);
    expect(inputCheck('d=distinct(eventTime):1h')).toThrow(`"eventTime" is not a numeric or string field`);
    expect(inputCheck('amount=count:1h')).toThrow('the input record (subject fraud.payments.enriched-value v1) already has a field "amount"');
  });

  it('EVENT_TIME_FIELD must be a non-null timestamp; LOOKBACK_KEY_FIELD a string field', () => {
    expect(inputCheck('n=count:1m', { eventTimeField: 'when' })).toThrow(`EVENT_TIME_FIELD="when" is not a field of the input record (subject fraud.payments.enriched-value v1); ${AVAILABLE}`);
    expect(inputCheck('n=count:1m', { eventTimeField: 'amount' })).toThrow('EVENT_TIME_FIELD="amount" is not a non-null timestamp-millis or long field');
    expect(inputCheck('n=count:1m', { keyField: 'amount' })).toThrow('LOOKBACK_KEY_FIELD="amount" is not a string field');
  });

  const outputCheck = (features: string, outputSchema: AvroSchema) => () =>
    checkOutputSchema({ ...base, features: parseLookbackFeatures(features), outputSchema, outputName: 'subject fraud.payment-features-value v2' });
  const fields = (PaymentFeaturesSchema.schema as { fields: { name: string; type: unknown }[] }).fields;
  const withFields = (f: unknown[]): AvroSchema => ({ ...(PaymentFeaturesSchema.schema as object), fields: f }) as AvroSchema;

  it('accepts PaymentFeatures for the fraud features and the test schema for the others', () => {
    expect(outputCheck(FRAUD_FEATURES, PaymentFeaturesSchema.schema)).not.toThrow();
    expect(outputCheck(OTHER_FEATURES, OTHER_OUTPUT_SCHEMA)).not.toThrow();
  });

  it('the output must have exactly the input fields plus the features: names what is missing and what would not be computed', () => {
    expect(outputCheck('count10m=count:10m,velocity=count:1m', PaymentFeaturesSchema.schema)).toThrow(
      new ConfigError(
        'the output schema (subject fraud.payment-features-value v2) must have exactly the input record\'s fields and one field per LOOKBACK_FEATURES item: ' +
          'missing velocity; not computed: amountSum10m, count24h, amountSum24h, merchants24h, kmFromLast',
      ),
    );
    expect(outputCheck(FRAUD_FEATURES, withFields(fields.filter((f) => f.name !== 'currency')))).toThrow('missing currency');
  });

  it('copied fields keep their input type; each feature needs a type that holds its values', () => {
    const retyped = (name: string, type: unknown) => withFields(fields.map((f) => (f.name === name ? { name, type } : f)));
    expect(outputCheck(FRAUD_FEATURES, retyped('amount', 'float'))).toThrow('field "amount" has another type than in the input record');
    expect(outputCheck(FRAUD_FEATURES, retyped('kmFromLast', 'double'))).toThrow(
      'LOOKBACK_FEATURES item "kmFromLast=distance(lat,lon):last": the output schema (subject fraud.payment-features-value v2) field "kmFromLast" must be ["null", "double"] (null for the first payment)',
    );
    expect(outputCheck(FRAUD_FEATURES, retyped('count10m', 'string'))).toThrow('field "count10m" must be int, long, float or double');
    expect(outputCheck(FRAUD_FEATURES, retyped('amountSum10m', 'long'))).toThrow('field "amountSum10m" must be double or float');
    // max of a nullable field can be null: the output must accept it.
    const limit = withFields([...fields.filter((f) => !['count10m', 'amountSum10m', 'amountSum24h', 'merchants24h', 'count24h', 'kmFromLast'].includes(f.name)), { name: 'limitMax', type: 'double' }]);
    expect(outputCheck('limitMax=max(creditLimit):1h', limit)).toThrow('field "limitMax" must be ["null", "double"] (the input field is nullable)');
  });
});

describe('prepareLookback (start in AGGREGATE_MODE=lookback)', () => {
  /** Answers `latest` from a map of subjects and `lookup` with an id when the text is registered. */
  class StubRegistry extends RegistryClient {
    constructor(private readonly subjects: Record<string, AvroSchema>) {
      super({ url: 'http://127.0.0.1:9' });
    }
    override async latest(subject: string): Promise<SubjectVersion | undefined> {
      const schema = this.subjects[subject];
      return schema === undefined ? undefined : { subject, version: 3, id: 42, schema: JSON.stringify(schema) };
    }
    override async lookup(subject: string, schema: string): Promise<number | undefined> {
      return JSON.stringify(this.subjects[subject]) === schema ? 42 : undefined;
    }
  }
  const config = (env: Record<string, string> = {}) =>
    loadConfig({ AGGREGATE_MODE: 'lookback', LOOKBACK_FEATURES: FRAUD_FEATURES, INPUT_TOPIC: 'fraud.payments.enriched', OUTPUT_TOPIC: 'fraud.payment-features', ...env });
  const registered = { 'fraud.payments.enriched-value': EnrichedPaymentSchema.schema, 'fraud.payment-features-value': PaymentFeaturesSchema.schema };

  it('reads both schemas from the registry, checks them and builds the topology', async () => {
    const prepared = await prepareLookback(config(), new StubRegistry(registered));
    expect(prepared.schemas).toEqual({ input: 'subject fraud.payments.enriched-value v3', output: 'subject fraud.payment-features-value v3' });
    expect(prepared.features.map((f) => f.name)).toEqual(['count10m', 'amountSum10m', 'amountSum24h', 'merchants24h', 'count24h', 'kmFromLast']);
    expect([...prepared.topology.stores.keys()]).toEqual(['lookback']);
  });

  it('a subject with no schema is a ConfigError naming the variable and the subject', async () => {
    await expect(prepareLookback(config(), new StubRegistry({ 'fraud.payments.enriched-value': EnrichedPaymentSchema.schema }))).rejects.toThrow(
      new ConfigError('OUTPUT_TOPIC="fraud.payment-features": no schema is registered under subject fraud.payment-features-value (register it: npm run schemas -- register)'),
    );
  });

  it('a feature the registered schemas cannot hold stops the start', async () => {
    await expect(prepareLookback(config({ LOOKBACK_FEATURES: 'count10m=count:10m,x=sum(amountEur):1h' }), new StubRegistry(registered))).rejects.toThrow(
      'LOOKBACK_FEATURES item "x=sum(amountEur):1h": "amountEur" is not a field of the input record (subject fraud.payments.enriched-value v3)',
    );
  });
});
