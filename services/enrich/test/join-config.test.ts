/**
 * ENRICH_MODE=join configuration: the JOIN_FIELDS grammar (every error names
 * the variable and the item), the mode in loadConfig, the checks against the
 * input, reference and output schemas made at start, and prepareJoin over a
 * registry stub.
 */
import { describe, expect, it } from 'vitest';
import { RegistryClient, type AvroSchema, type SubjectVersion } from '@tributary/avro';
import { CardholderSchema, EnrichedPaymentSchema, PaymentSchema } from '@tributary/schemas';
import { ConfigError } from '@tributary/streams';
import { checkJoinSchemas, loadConfig, parseJoinFields, prepareJoin, REFERENCE_STORE, type JoinSchemaCheck } from '../src/index.js';
import { FRAUD_JOIN_FIELDS, withFields } from './join-fixtures.js';

describe('JOIN_FIELDS grammar', () => {
  it('field or outName=field; spaces and empty items ignored; the token kept for messages', () => {
    expect(parseJoinFields(' homeLat, limit = creditLimit,,riskSegment ')).toEqual([
      { name: 'homeLat', field: 'homeLat', token: 'homeLat' },
      { name: 'limit', field: 'creditLimit', token: 'limit = creditLimit' },
      { name: 'riskSegment', field: 'riskSegment', token: 'riskSegment' },
    ]);
  });

  it('errors name the variable and the item, and say what is wrong', () => {
    const cases: [string, string][] = [
      ['a=b=c', 'JOIN_FIELDS item "a=b=c" is invalid: more than one "="'],
      ['1x', 'JOIN_FIELDS item "1x" is invalid: the output name "1x" is not an identifier'],
      ['x=home.lat', 'JOIN_FIELDS item "x=home.lat" is invalid: the reference field "home.lat" is not an identifier'],
      ['homeLat,homeLat=creditLimit', 'JOIN_FIELDS item "homeLat=creditLimit" is invalid: the output name "homeLat" is already used by an earlier item'],
      [' , ', 'JOIN_FIELDS is empty'],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseJoinFields(raw), raw).toThrow(ConfigError);
      expect(() => parseJoinFields(raw), raw).toThrow(message);
    }
  });
});

describe('ENRICH_MODE in loadConfig', () => {
  it('containers by default: JOIN_* not needed', () => {
    expect(loadConfig({})).toMatchObject({ ENRICH_MODE: 'containers', JOIN_KEY_FIELD: undefined, JOIN_FIELDS: undefined });
  });

  it('join: reads JOIN_KEY_FIELD and JOIN_FIELDS, and checks the JOIN_FIELDS syntax', () => {
    expect(loadConfig({ ENRICH_MODE: 'join', JOIN_KEY_FIELD: 'cardId', JOIN_FIELDS: FRAUD_JOIN_FIELDS })).toMatchObject({
      ENRICH_MODE: 'join',
      JOIN_KEY_FIELD: 'cardId',
      JOIN_FIELDS: FRAUD_JOIN_FIELDS,
    });
    expect(() => loadConfig({ ENRICH_MODE: 'join', JOIN_FIELDS: 'homeLat' })).toThrow(new ConfigError('JOIN_KEY_FIELD is not set: ENRICH_MODE=join needs the input field looked up in the reference table (e.g. cardId)'));
    expect(() => loadConfig({ ENRICH_MODE: 'join', JOIN_KEY_FIELD: 'cardId' })).toThrow('JOIN_FIELDS is not set');
    expect(() => loadConfig({ ENRICH_MODE: 'join', JOIN_KEY_FIELD: 'cardId', JOIN_FIELDS: 'a==b' })).toThrow('JOIN_FIELDS item "a==b" is invalid');
    expect(() => loadConfig({ ENRICH_MODE: 'join', JOIN_KEY_FIELD: 'card id', JOIN_FIELDS: 'homeLat' })).toThrow('JOIN_KEY_FIELD="card id" is invalid: expected a field name');
    expect(() => loadConfig({ ENRICH_MODE: 'lookup' })).toThrow('ENRICH_MODE="lookup" is invalid: expected one of "containers", "join"');
  });
});

describe('checkJoinSchemas', () => {
  const fraud = (overrides: Partial<JoinSchemaCheck> = {}): JoinSchemaCheck => ({
    keyField: 'cardId',
    fields: parseJoinFields(FRAUD_JOIN_FIELDS),
    inputSchema: PaymentSchema.schema,
    inputName: 'in v1',
    referenceSchema: CardholderSchema.schema,
    referenceName: 'ref v1',
    outputSchema: EnrichedPaymentSchema.schema,
    outputName: 'out v1',
    ...overrides,
  });
  const fails = (check: JoinSchemaCheck, message: string) => {
    expect(() => checkJoinSchemas(check)).toThrow(ConfigError);
    expect(() => checkJoinSchemas(check)).toThrow(message);
  };

  it('accepts the fraud schemas (Payment ⟕ Cardholder → EnrichedPayment)', () => {
    expect(() => checkJoinSchemas(fraud())).not.toThrow();
  });

  it('JOIN_KEY_FIELD must be a non-null string field of the input', () => {
    fails(fraud({ keyField: 'card' }), 'JOIN_KEY_FIELD="card" is not a field of the input record (in v1); its fields: paymentId (string), cardId (string), merchantId (string), amount (double)');
    fails(fraud({ keyField: 'amount' }), 'JOIN_KEY_FIELD="amount" is not a non-null string field (it is double) of the input record (in v1)');
    fails(fraud({ keyField: 'lat' }), 'JOIN_KEY_FIELD="lat" is not a non-null string field (it is [null, double])');
  });

  it('a JOIN_FIELDS item must name a reference field, and its output name must not shadow an input field or matched', () => {
    fails(
      fraud({ fields: parseJoinFields('homeLat,homeLon,limit=creditLimt') }),
      'JOIN_FIELDS item "limit=creditLimt": "creditLimt" is not a field of the reference record (ref v1); its fields: cardId (string), homeLat (double), homeLon (double), creditLimit (double), riskSegment (enum RiskSegment)',
    );
    fails(fraud({ fields: parseJoinFields('currency') }), 'JOIN_FIELDS item "currency": the output name "currency" is already an input field; name it differently (outName=currency)');
    fails(fraud({ fields: parseJoinFields('matched=creditLimit') }), 'the output name "matched" is reserved for the match flag');
  });

  it('the output must have exactly the input fields, matched and the join fields', () => {
    fails(fraud({ fields: parseJoinFields('homeLat,homeLon,creditLimit') }), 'the output schema (out v1) must have exactly the input record\'s fields, "matched" and one field per JOIN_FIELDS item: not computed: riskSegment (JOIN_FIELDS=homeLat,homeLon,creditLimit)');
    fails(fraud({ fields: parseJoinFields(`${FRAUD_JOIN_FIELDS},issuedAt`) }), 'missing issuedAt');
    fails(fraud({ outputSchema: withFields(EnrichedPaymentSchema.schema, (fields) => fields.filter((f) => f.name !== 'matched')) }), 'missing matched');
  });

  it('types: input fields copied as is, matched boolean, join fields the reference type made nullable', () => {
    const retype = (name: string, type: unknown) => withFields(EnrichedPaymentSchema.schema, (fields) => fields.map((f) => (f.name === name ? { name, type } : f)));
    fails(fraud({ outputSchema: retype('amount', 'float') }), 'the output schema (out v1) field "amount" is float but double in the input record (in v1): it is copied as is');
    fails(fraud({ outputSchema: retype('matched', ['null', 'boolean']) }), 'the output schema (out v1) field "matched" must be boolean (it is [null, boolean])');
    fails(
      fraud({ outputSchema: retype('creditLimit', 'double') }),
      'JOIN_FIELDS item "creditLimit": the output schema (out v1) field "creditLimit" is double; expected [null, double]: the reference field "creditLimit" (double) made nullable, null when unmatched',
    );
    fails(fraud({ outputSchema: retype('creditLimit', ['null', 'long']) }), 'field "creditLimit" is [null, long]; expected [null, double]');
    fails(fraud({ outputSchema: retype('riskSegment', ['null', 'string']) }), 'expected [null, enum RiskSegment]');
    // A renamed join field: outName=field.
    const renamed = withFields(EnrichedPaymentSchema.schema, (fields) => fields.map((f) => (f.name === 'creditLimit' ? { ...f, name: 'limit' } : f)));
    expect(() => checkJoinSchemas(fraud({ fields: parseJoinFields('homeLat,homeLon,limit=creditLimit,riskSegment'), outputSchema: renamed }))).not.toThrow();
  });

  it('an input record that already has matched, or a schema that is not a record, is refused', () => {
    const withMatched = withFields(PaymentSchema.schema, (fields) => [...fields, { name: 'matched', type: 'boolean' }]);
    fails(fraud({ inputSchema: withMatched }), 'the input record (in v1) already has a field "matched"');
    fails(fraud({ referenceSchema: 'string' as AvroSchema }), 'the reference schema (ref v1) is not an Avro record schema');
    fails(fraud({ outputSchema: withFields(EnrichedPaymentSchema.schema, (fields) => [...fields, { name: 'x', type: 'decimal' }]) }), 'the output schema (out v1) is not a valid Avro schema: ');
  });
});

describe('prepareJoin (start in ENRICH_MODE=join)', () => {
  /** Answers `latest` from a map of subjects and `lookup` with an id when the text is registered. */
  class StubRegistry extends RegistryClient {
    constructor(private readonly subjects: Record<string, AvroSchema>) {
      super({ url: 'http://127.0.0.1:9' });
    }
    override async latest(subject: string): Promise<SubjectVersion | undefined> {
      const schema = this.subjects[subject];
      return schema === undefined ? undefined : { subject, version: 2, id: 7, schema: JSON.stringify(schema) };
    }
    override async lookup(subject: string, schema: string): Promise<number | undefined> {
      return JSON.stringify(this.subjects[subject]) === schema ? 7 : undefined;
    }
  }
  const config = (env: Record<string, string> = {}) =>
    loadConfig({
      ENRICH_MODE: 'join',
      INPUT_TOPIC: 'fraud.payments',
      REFERENCE_TOPIC: 'fraud.cardholders',
      OUTPUT_TOPIC: 'fraud.payments.enriched',
      JOIN_KEY_FIELD: 'cardId',
      JOIN_FIELDS: FRAUD_JOIN_FIELDS,
      ...env,
    });
  const registered = {
    'fraud.payments-value': PaymentSchema.schema,
    'fraud.cardholders-value': CardholderSchema.schema,
    'fraud.payments.enriched-value': EnrichedPaymentSchema.schema,
  };

  it('reads the three latest schemas, checks them and builds the topology with the reference store', async () => {
    const prepared = await prepareJoin(config(), new StubRegistry(registered));
    expect(prepared.schemas).toEqual({ input: 'subject fraud.payments-value v2', reference: 'subject fraud.cardholders-value v2', output: 'subject fraud.payments.enriched-value v2' });
    expect(prepared.fields.map((f) => f.name)).toEqual(['homeLat', 'homeLon', 'creditLimit', 'riskSegment']);
    expect([...prepared.topology.globalStores.keys()]).toEqual([REFERENCE_STORE]);
  });

  it('a subject with no schema is a ConfigError naming the variable and the subject', async () => {
    const { ['fraud.cardholders-value']: _, ...without } = registered;
    await expect(prepareJoin(config(), new StubRegistry(without))).rejects.toThrow(
      new ConfigError('REFERENCE_TOPIC="fraud.cardholders": no schema is registered under subject fraud.cardholders-value (register it: npm run schemas -- register)'),
    );
  });

  it('JOIN_FIELDS the registered schemas cannot hold stop the start', async () => {
    await expect(prepareJoin(config({ JOIN_FIELDS: 'homeLat,homeLon,creditLimit,segment' }), new StubRegistry(registered))).rejects.toThrow(
      'JOIN_FIELDS item "segment": "segment" is not a field of the reference record (subject fraud.cardholders-value v2)',
    );
  });
});
