import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { createDynamoApprovalLinkRepository } from '../adapters/dynamo/approval-link-repository';
import { createDocumentClient } from '../adapters/dynamo/client';
import { createDynamoCredentialStore } from '../adapters/dynamo/credential-store';
import { createDynamoEventDeduper } from '../adapters/dynamo/event-deduper';
import { createDynamoRequestRepository } from '../adapters/dynamo/request-repository';
import { createFederationSignIn } from '../adapters/federation/console-sign-in';
import { createSfnWorkflow } from '../adapters/sfn/sfn-workflow';
import { createSnsNotifier } from '../adapters/sns/sns-notifier';
import { createStsIssuer } from '../adapters/sts/sts-issuer';
import { createEnvelopeVault } from '../adapters/vault/envelope-vault';
import { kmsKeySource } from '../adapters/vault/kms-key-source';
import { loadCatalogueFile } from '../catalogue/load';
import { loadConfig } from '../config/env';
import { newRequestId } from '../domain/ids';
import { createLogger } from '../log/logger';
import { getDeps, setDepsFactory, type Deps } from './deps';

/**
 * The deployed wiring: configuration from the environment, one SDK client per service, built
 * once per Lambda container. Importing this module only registers the factory; in Lambda the
 * factory runs at init so a bad variable fails the cold start with its name, not a request.
 */
export function buildAwsDeps(env: Record<string, string | undefined> = process.env): Deps {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL, base: { stage: config.BROKER_STAGE, fn: env.AWS_LAMBDA_FUNCTION_NAME } });
  const catalogueFile = join(env.LAMBDA_TASK_ROOT ?? process.cwd(), config.BROKER_CATALOGUE_FILE);
  const db = createDocumentClient(config.BROKER_DYNAMODB_ENDPOINT ? { endpoint: config.BROKER_DYNAMODB_ENDPOINT } : {});
  const table = config.BROKER_TABLE_NAME;
  const sts = new STSClient({});
  return {
    settings: {
      stage: config.BROKER_STAGE,
      publicBaseUrl: config.BROKER_PUBLIC_BASE_URL.replace(/\/+$/, ''),
      groupsClaim: config.BROKER_GROUPS_CLAIM,
      requireVerifiedEmail: config.BROKER_REQUIRE_EMAIL_VERIFIED,
      issuerPrincipalArns: config.BROKER_ISSUER_PRINCIPAL_ARNS,
      issuerRoleIds: config.BROKER_ISSUER_ROLE_IDS,
    },
    catalogue: loadCatalogueFile(catalogueFile),
    clock: { now: () => new Date() },
    newId: () => newRequestId(),
    logger,
    requests: createDynamoRequestRepository(db, table),
    links: createDynamoApprovalLinkRepository(db, table),
    credentials: createDynamoCredentialStore(db, table),
    events: createDynamoEventDeduper(db, table, config.BROKER_EVENT_DEDUPE_DAYS),
    workflow: createSfnWorkflow({ sfn: new SFNClient({}), stateMachineArn: config.BROKER_STATE_MACHINE_ARN }),
    notifier: createSnsNotifier(new SNSClient({}), {
      approvals: config.BROKER_APPROVALS_TOPIC_ARN,
      notifications: config.BROKER_NOTIFICATIONS_TOPIC_ARN,
      alarms: config.BROKER_ALARMS_TOPIC_ARN,
    }),
    issuer: createStsIssuer({
      sts,
      ...(config.BROKER_ISSUER_USER_SECRET_ARN
        ? { userKey: { secretsManager: new SecretsManagerClient({}), secretId: config.BROKER_ISSUER_USER_SECRET_ARN } }
        : {}),
      logger,
    }),
    signIn: createFederationSignIn(),
    vault: createEnvelopeVault(kmsKeySource(new KMSClient({}), config.BROKER_KMS_KEY_ID)),
  };
}

setDepsFactory(() => buildAwsDeps());
if (process.env.AWS_LAMBDA_FUNCTION_NAME) getDeps();
