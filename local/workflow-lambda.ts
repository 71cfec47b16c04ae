import { randomUUID } from 'node:crypto';

/** A Lambda function body, as the local runner calls it: the event in, the result out. */
export type LambdaHandler<P = never, R = unknown> = (payload: P) => Promise<R> | R;

/**
 * The result the optimized `arn:aws:states:::lambda:invoke` integration hands to Step
 * Functions: the function's return value sits under `Payload`, which is why the ASL reads
 * `$.Payload.*` in ResultSelector. The local runner returns the same shape so the one ASL
 * file behaves identically in both places.
 */
export interface LambdaInvokeResult {
  ExecutedVersion: '$LATEST';
  Payload: unknown;
  SdkHttpMetadata: { HttpStatusCode: 200 };
  SdkResponseMetadata: { RequestId: string };
  StatusCode: 200;
}

/** JSON round trip: what crosses the Lambda boundary in AWS is serialized JSON, never live objects. */
export function jsonClone<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

/** An Error carrying a Step Functions error name, which Retry and Catch match on. */
export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * What Step Functions sees when a Lambda throws: Error = the error's type, Cause = the
 * runtime's JSON error document. Settle handlers thus receive the same `cause` locally as in AWS.
 */
export function lambdaFailure(thrown: unknown): Error {
  const errorType = thrown instanceof Error ? thrown.name || 'Error' : 'Error';
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  const trace = thrown instanceof Error && thrown.stack ? thrown.stack.split('\n').slice(1).map((l) => l.trim()) : [];
  return namedError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

/** The `Payload` of a lambda:invoke task's Parameters output: the event the function gets. */
export function payloadOf(taskInput: unknown): unknown {
  if (taskInput !== null && typeof taskInput === 'object' && 'Payload' in taskInput) {
    return (taskInput as { Payload: unknown }).Payload;
  }
  return null;
}

/** Calls `handler` the way lambda:invoke would: a JSON copy of the payload in, the result wrapped. */
export async function invokeLikeLambda(handler: LambdaHandler<never>, payload: unknown): Promise<LambdaInvokeResult> {
  let result: unknown;
  try {
    result = await handler(jsonClone(payload) as never);
  } catch (e) {
    throw lambdaFailure(e);
  }
  return {
    ExecutedVersion: '$LATEST',
    Payload: jsonClone(result),
    SdkHttpMetadata: { HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: randomUUID() },
    StatusCode: 200,
  };
}
