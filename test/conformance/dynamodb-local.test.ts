/**
 * Conformance: the data-layer tests against the official DynamoDB Local jar (Java), not dynalite.
 * The jar is fetched once with `npm pack amplify-dynamodb-simulator` into .cache/ by
 * scripts/dynamodb-local.sh --jar-dir; Java 11+ must be on PATH (npm test installs Java 17 where apt-get runs as root).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestTable, startDynamoDbLocalJar, type DynamoDbLocalJar } from '../helpers/dynamodb-endpoint';
import { describeDataLayer } from '../integration/data-layer.suite';

let jar: DynamoDbLocalJar | undefined;

beforeAll(async () => {
  jar = await startDynamoDbLocalJar();
}, 120_000);

afterAll(async () => {
  await jar?.close();
});

describe('DynamoDB Local jar', () => {
  it('is the pinned release and answers on its endpoint', () => {
    expect(jar?.version).toBe('1.25.1');
    expect(jar?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describeDataLayer('official DynamoDB Local jar', () => {
  if (!jar) throw new Error('DynamoDB Local did not start');
  return openTestTable('conformance', jar.endpoint);
});
