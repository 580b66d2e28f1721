import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tributary/streams';
import { loadConfig, parseSinkTopics } from '../src/config.js';

describe('sink configuration', () => {
  it('defaults to the cold-chain tables', () => {
    const config = loadConfig({});
    expect(config.GROUP_ID).toBe('coldchain-sink');
    expect(config.DATABASE_SCHEMA).toBe('public');
    expect(config.DATABASE_SSL).toBe('disable');
    expect(config.topics).toEqual([
      { topic: 'coldchain.scores', table: 'risk_scores', keyFields: ['containerId', 'windowStart', 'modelName'] },
      { topic: 'coldchain.alerts', table: 'alerts', keyFields: ['alertId'] },
    ]);
  });

  it('reads another pipeline from SINK_TOPICS', () => {
    const config = loadConfig({ SINK_TOPICS: 'payments.fraud-scores:fraud_scores:paymentId , payments.cases:cases:caseId+version', GROUP_ID: 'fraud-sink', DATABASE_SCHEMA: 'fraud' });
    expect(config.topics).toEqual([
      { topic: 'payments.fraud-scores', table: 'fraud_scores', keyFields: ['paymentId'] },
      { topic: 'payments.cases', table: 'cases', keyFields: ['caseId', 'version'] },
    ]);
  });

  it.each([
    ['a:b', /expected topic:table:key1\+key2/],
    ['a:Bad-Table:k', /table "Bad-Table" is not a lower-case identifier/],
    ['a b:t:k', /is not a Kafka topic name/],
    ['a:t:k+', /key fields "k\+" are not field names/],
    ['a:t:k,a:u:k', /lists topic a twice/],
    ['a:t:k,b:t:k', /two topics to table t/],
  ])('refuses SINK_TOPICS=%s', (value, message) => {
    expect(() => loadConfig({ SINK_TOPICS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ SINK_TOPICS: value })).toThrow(message);
  });

  it('names the variable of a bad value, masking secrets', () => {
    expect(() => loadConfig({ DATABASE_SCHEMA: 'Public' })).toThrow(/DATABASE_SCHEMA="Public" is invalid/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).toThrow(/DATABASE_URL=.*masked/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' })).not.toThrow(/hunter2/);
    expect(() => loadConfig({ DATABASE_SSL: 'prefer' })).toThrow(/DATABASE_SSL/);
  });

  it('parses items on their own', () => {
    expect(parseSinkTopics(['t:tbl:a+b'])).toEqual([{ topic: 't', table: 'tbl', keyFields: ['a', 'b'] }]);
  });
});
