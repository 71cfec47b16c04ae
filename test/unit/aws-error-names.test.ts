import { describe, expect, it } from 'vitest';
import { isThrottlingError, isTransientError, THROTTLING_CODES, TRANSIENT_CODES } from '../../shared/adapters/aws-errors';
import { CONDITION_FAILED_ERROR } from '../../shared/adapters/dynamo/client';
import { ABORT_IGNORED_ERRORS, EXECUTION_EXISTS_ERROR, TASK_CLOSED_ERRORS } from '../../shared/adapters/sfn/sfn-workflow';
import { BAD_CALLER_KEY_ERRORS, STS_ERROR_CODES } from '../../shared/adapters/sts/sts-errors';
import { KMS_NOT_OURS_ERRORS } from '../../shared/adapters/vault/kms-key-source';
import { LAMBDA_SERVICE_ERRORS } from '../../shared/workflow/errors';
import {
  COMMON_ERRORS,
  errorSource,
  MODEL_SERVICES,
  modelErrorCodes,
  modelErrors,
  modelErrorStatus,
  type AdapterService,
  type ModelService,
} from '../helpers/aws-model';

/**
 * Every AWS error name the code reacts to must be one AWS's model lists for the operation it
 * calls, or a documented common error of that service's protocol. The rows are built from the
 * sets the adapters themselves use, so a name added to an adapter lands here automatically.
 */

type Row = [where: string, service: ModelService, operation: string, name: string];

const rows: Row[] = [
  ...[...TASK_CLOSED_ERRORS].map((n): Row => ['sfn-workflow sendDecision: callback closed', 'sfn', 'SendTaskSuccess', n]),
  ...[...ABORT_IGNORED_ERRORS].map((n): Row => ['sfn-workflow abort: already over', 'sfn', 'SendTaskFailure', n]),
  ['sfn-workflow start: idempotent per request', 'sfn', 'StartExecution', EXECUTION_EXISTS_ERROR],
  ...[...KMS_NOT_OURS_ERRORS].map((n): Row => ['kms-key-source decryptDataKey: not ours', 'kms', 'Decrypt', n]),
  ...(['PutItem', 'UpdateItem'] as const).map((op): Row => ['dynamo isConditionFailure', 'dynamodb', op, CONDITION_FAILED_ERROR]),
  ...[...BAD_CALLER_KEY_ERRORS].map((n): Row => ['sts-errors: issuer key invalid', 'sts', 'AssumeRole', n]),
  // local/dynamo.ts tolerates a table that already exists.
  ['local/dynamo.ts table setup', 'dynamodb', 'CreateTable', 'ResourceInUseException'],
];

describe('error names the adapters react to', () => {
  it.each(rows)('%s: %s %s lists %s', (_where, service, operation, name) => {
    expect(errorSource(service, operation, name)).toBeDefined();
  });

  // sts-errors compares codes without a trailing "Exception": one of the two spellings must be documented.
  it.each(Object.entries(STS_ERROR_CODES))('sts-errors %s: AssumeRole lists %s or %sException', (_key, bare) => {
    const sources = [bare, `${bare}Exception`].map((name) => errorSource('sts', 'AssumeRole', name));
    expect(sources.some((s) => s !== undefined)).toBe(true);
  });

  it('says which come from the operation model and which are common errors', () => {
    const where = (service: ModelService, op: string, name: string) => `${name}: ${errorSource(service, op, name)}`;
    expect([
      where('sfn', 'SendTaskSuccess', 'InvalidToken'),
      where('kms', 'Decrypt', 'IncorrectKeyException'),
      where('dynamodb', 'UpdateItem', 'ConditionalCheckFailedException'),
      where('sts', 'AssumeRole', 'MalformedPolicyDocument'),
      where('sts', 'AssumeRole', 'RegionDisabledException'),
      where('sts', 'AssumeRole', 'AccessDeniedException'),
      where('sts', 'AssumeRole', 'ValidationError'),
      where('sts', 'AssumeRole', 'InvalidClientTokenId'),
      where('kms', 'GenerateDataKey', 'ThrottlingException'),
    ]).toEqual([
      'InvalidToken: operation',
      'IncorrectKeyException: operation',
      'ConditionalCheckFailedException: operation',
      'MalformedPolicyDocument: operation',
      'RegionDisabledException: operation',
      'AccessDeniedException: common',
      'ValidationError: common',
      'InvalidClientTokenId: common',
      'ThrottlingException: common',
    ]);
  });

  it.each([
    // Names the code used to react to, which no model lists for the operations it calls.
    ['kms', 'GenerateDataKey', 'LimitExceededException'],
    ['kms', 'Decrypt', 'LimitExceededException'],
    ['dynamodb', 'PutItem', 'TransactionCanceledException'],
    ['dynamodb', 'UpdateItem', 'TransactionCanceledException'],
    ['sts', 'AssumeRole', 'UnrecognizedClientException'],
  ] as const)('the check can fail: %s %s does not list %s', (service, operation, name) => {
    expect(errorSource(service, operation, name)).toBeUndefined();
  });
});

/**
 * Lambda's transient service errors as Step Functions reports them for a Lambda task
 * (`Lambda.<name>`), from the Step Functions Developer Guide page "Handle Lambda service exceptions".
 */
const STEP_FUNCTIONS_LAMBDA_ERRORS = ['ClientExecutionTimeoutException', 'ServiceException', 'AWSLambdaException', 'SdkClientException', 'TooManyRequestsException'];

describe("the workflow's Retry rules for Lambda tasks (LAMBDA_SERVICE_ERRORS)", () => {
  it.each(LAMBDA_SERVICE_ERRORS)('%s is Lambda Invoke model error or one Step Functions documents', (name) => {
    expect(name).toMatch(/^Lambda\./);
    const bare = name.slice('Lambda.'.length);
    const source = errorSource('lambda', 'Invoke', bare) ?? (STEP_FUNCTIONS_LAMBDA_ERRORS.includes(bare) ? 'step-functions-docs' : undefined);
    expect(source).toBeDefined();
  });

  it("the throttling and 5xx ones are in Invoke's own model", () => {
    expect(modelErrors('lambda', 'Invoke')).toEqual(expect.arrayContaining(['ServiceException', 'TooManyRequestsException']));
  });
});

/** Every error the models list for an operation the adapters call, plus the protocols' common errors. */
function documentedNames(): string[] {
  const operations: Record<AdapterService, string[]> = {
    sts: ['AssumeRole'],
    sns: ['Publish'],
    sesv2: ['SendEmail'],
    sfn: ['StartExecution', 'SendTaskSuccess', 'SendTaskFailure'],
    kms: ['GenerateDataKey', 'Decrypt'],
    dynamodb: ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query'],
    secretsmanager: ['GetSecretValue'],
  };
  const names = new Set<string>([...COMMON_ERRORS.query, ...COMMON_ERRORS.json]);
  for (const service of MODEL_SERVICES) {
    for (const op of operations[service]) for (const n of [...modelErrors(service, op), ...modelErrorCodes(service, op)]) names.add(n);
  }
  return [...names];
}

/** The SDK's own name for a request that timed out on the client (its retry module counts it transient). */
const SDK_ERROR_NAMES = ['TimeoutError'];

describe('the throttling and transient classifiers (shared/adapters/aws-errors.ts)', () => {
  const known = [...documentedNames(), ...SDK_ERROR_NAMES];
  const alternatives = (re: RegExp) => re.source.split('|');

  it.each([...alternatives(THROTTLING_CODES).map((a) => ['throttling', a]), ...alternatives(TRANSIENT_CODES).map((a) => ['transient', a])])(
    '%s alternative /%s/ names a documented error',
    (_kind, alternative) => {
      const re = new RegExp(alternative, 'i');
      expect(known.filter((n) => re.test(n))).not.toEqual([]);
    },
  );
});

/**
 * How every error in the models of the operations the adapters call is classified, given the
 * HTTP status the model assigns it. A regenerated model with a new error fails here until someone
 * decides what the broker should do with it.
 */
const expected: Record<AdapterService, Record<string, 'throttled' | 'transient' | 'final'>> = {
  sts: { MalformedPolicyDocumentException: 'final', PackedPolicyTooLargeException: 'final', RegionDisabledException: 'final', ExpiredTokenException: 'final' },
  sns: {
    InvalidParameterException: 'final',
    InvalidParameterValueException: 'final',
    InternalErrorException: 'transient',
    NotFoundException: 'final',
    EndpointDisabledException: 'final',
    PlatformApplicationDisabledException: 'final',
    AuthorizationErrorException: 'final',
    KMSDisabledException: 'final',
    KMSInvalidStateException: 'final',
    KMSNotFoundException: 'final',
    KMSOptInRequired: 'final',
    KMSThrottlingException: 'throttled',
    KMSAccessDeniedException: 'final',
    InvalidSecurityException: 'final',
    ValidationException: 'final',
  },
  // SES: over the sending rate (1 per second in the sandbox) is retried as throttled; the daily
  // quota (LimitExceeded), an unverified identity or recipient (MessageRejected) are not.
  sesv2: {
    TooManyRequestsException: 'throttled',
    LimitExceededException: 'final',
    AccountSuspendedException: 'final',
    SendingPausedException: 'final',
    MessageRejected: 'final',
    MailFromDomainNotVerifiedException: 'final',
    NotFoundException: 'final',
    BadRequestException: 'final',
  },
  sfn: {
    ExecutionLimitExceeded: 'final',
    ExecutionAlreadyExists: 'final',
    InvalidArn: 'final',
    InvalidExecutionInput: 'final',
    InvalidName: 'final',
    StateMachineDoesNotExist: 'final',
    StateMachineDeleting: 'final',
    ValidationException: 'final',
    KmsAccessDeniedException: 'final',
    KmsInvalidStateException: 'final',
    KmsThrottlingException: 'throttled',
    TaskDoesNotExist: 'final',
    InvalidOutput: 'final',
    InvalidToken: 'final',
    TaskTimedOut: 'final',
  },
  kms: {
    NotFoundException: 'final',
    DisabledException: 'final',
    // "The specified KMS key was not available. You can retry the request." (HTTP 500)
    KeyUnavailableException: 'transient',
    DependencyTimeoutException: 'transient',
    InvalidKeyUsageException: 'final',
    InvalidGrantTokenException: 'final',
    KMSInternalException: 'transient',
    KMSInvalidStateException: 'final',
    DryRunOperationException: 'final',
    InvalidCiphertextException: 'final',
    IncorrectKeyException: 'final',
  },
  dynamodb: {
    ConditionalCheckFailedException: 'final',
    ProvisionedThroughputExceededException: 'throttled',
    ResourceNotFoundException: 'final',
    ItemCollectionSizeLimitExceededException: 'final',
    TransactionConflictException: 'final',
    RequestLimitExceeded: 'throttled',
    InternalServerError: 'transient',
    ReplicatedWriteConflictException: 'final',
    ThrottlingException: 'throttled',
    ResourceInUseException: 'final',
    LimitExceededException: 'final',
  },
  secretsmanager: {
    ResourceNotFoundException: 'final',
    InvalidParameterException: 'final',
    InvalidRequestException: 'final',
    DecryptionFailure: 'final',
    InternalServiceError: 'transient',
  },
};

const allOperations: Record<AdapterService, string[]> = {
  sts: ['AssumeRole'],
  sns: ['Publish'],
  sesv2: ['SendEmail'],
  sfn: ['StartExecution', 'SendTaskSuccess', 'SendTaskFailure'],
  kms: ['GenerateDataKey', 'Decrypt'],
  dynamodb: ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'CreateTable', 'DescribeTable'],
  secretsmanager: ['GetSecretValue'],
};

function classify(error: unknown): 'throttled' | 'transient' | 'final' {
  return isThrottlingError(error) ? 'throttled' : isTransientError(error) ? 'transient' : 'final';
}

describe('classification of every modelled error', () => {
  const cases = MODEL_SERVICES.flatMap((service) =>
    allOperations[service].flatMap((op) => {
      const names = modelErrors(service, op);
      const codes = modelErrorCodes(service, op);
      return names.map((name, i) => [service, op, name, codes[i]!] as const);
    }),
  );

  it('covers every error the models list', () => {
    const unlisted = cases.filter(([service, , name]) => expected[service][name] === undefined).map(([s, op, n]) => `${s} ${op} ${n}`);
    expect(unlisted).toEqual([]);
  });

  it.each(cases)('%s %s %s (wire code %s)', (service, _op, name, code) => {
    const status = modelErrorStatus(service, name);
    // As the SDK v3 raises it: named after the shape, with the HTTP status on $metadata ...
    const sdkError = Object.assign(new Error('raw'), { name, $metadata: { httpStatusCode: status } });
    expect(classify(sdkError)).toBe(expected[service][name]);
    // ... and as an unmodelled error carrying only the wire code.
    const wireError = Object.assign(new Error('raw'), { name: 'Error', Code: code, $metadata: { httpStatusCode: status } });
    expect(classify(wireError)).toBe(expected[service][name]);
  });

  it.each([
    ['ThrottlingException', 400, 'throttled'],
    ['Throttling', 400, 'throttled'],
    ['InternalFailure', 500, 'transient'],
    ['ServiceUnavailable', 503, 'transient'],
    ['RequestTimeoutException', 408, 'transient'],
    ['AccessDeniedException', 403, 'final'],
    ['ValidationError', 400, 'final'],
    ['ExpiredTokenException', 403, 'final'],
  ] as const)('common error %s (HTTP %s) is %s', (name, status, kind) => {
    expect(classify(Object.assign(new Error('raw'), { name, $metadata: { httpStatusCode: status } }))).toBe(kind);
  });
});
