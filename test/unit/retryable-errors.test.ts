import { describe, expect, it } from 'vitest';
import { asWorkflowError } from '../../shared/workflow/retryable-errors';

const sdkError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('asWorkflowError', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400, 'Broker.Throttled'],
    ['ThrottlingException', 400, 'Broker.Throttled'],
    ['Throttled', 429, 'Broker.Throttled'],
    ['InternalServerError', 500, 'Broker.Transient'],
    ['ServiceUnavailable', 503, 'Broker.Transient'],
    ['KMSInternalException', 500, 'Broker.Transient'],
  ])('renames %s (%i) to %s and keeps the original as cause', (name, status, expected) => {
    const original = sdkError(name, status);
    const mapped = asWorkflowError(original) as Error;
    expect(mapped.name).toBe(expected);
    expect(mapped.message).toBe(`${name}: ${name} happened`);
    expect(mapped.cause).toBe(original);
  });

  it('leaves client errors, domain errors and broker errors alone', () => {
    const conditional = sdkError('ConditionalCheckFailedException', 400);
    expect(asWorkflowError(conditional)).toBe(conditional);
    const validation = sdkError('ValidationException', 400);
    expect(asWorkflowError(validation)).toBe(validation);
    const broker = Object.assign(new Error('closed'), { name: 'Broker.RequestClosed' });
    expect(asWorkflowError(broker)).toBe(broker);
    expect(asWorkflowError('text')).toBe('text');
  });
});
