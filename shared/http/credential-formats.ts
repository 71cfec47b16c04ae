import type { CredentialsView } from '../usecases/get-credentials';
import { json, text, type HttpResult } from './responses';

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** `json` for programs, `env` for `eval $(...)`, `credential_process` for ~/.aws/config. */
export function credentialsResponse(view: CredentialsView, format: 'json' | 'env' | 'credential_process'): HttpResult {
  if (format === 'credential_process') {
    // The exact document the AWS CLI and SDKs expect from a credential_process command.
    return json(200, {
      Version: 1,
      AccessKeyId: view.accessKeyId,
      SecretAccessKey: view.secretAccessKey,
      SessionToken: view.sessionToken,
      Expiration: view.expiration,
    });
  }
  if (format === 'env') {
    const lines = [
      `# Access Broker request ${view.requestId}: credentials expire ${view.expiration}, window ends ${view.windowExpiresAt}`,
      ...(view.local ? ['# LOCAL MODE: these credentials are not valid in AWS'] : []),
      ...(view.notice ? [`# ${view.notice}`] : []),
      `export AWS_ACCESS_KEY_ID=${shellQuote(view.accessKeyId)}`,
      `export AWS_SECRET_ACCESS_KEY=${shellQuote(view.secretAccessKey)}`,
      `export AWS_SESSION_TOKEN=${shellQuote(view.sessionToken)}`,
      `export AWS_CREDENTIAL_EXPIRATION=${shellQuote(view.expiration)}`,
      `export AWS_REGION=${shellQuote(view.region)}`,
      `# Console (valid until ${view.consoleUrlExpiresAt}): ${view.consoleUrl}`,
      '',
    ];
    return text(200, lines.join('\n'));
  }
  return json(200, view);
}
