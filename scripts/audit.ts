/**
 * `npm run audit -- DIR [--json]`: replays a folder of CloudTrail log files (as `aws s3 sync`
 * leaves them: nested folders of .json.gz) and prints, per watched role, every use with its
 * classification against the broker's grants, as tables (default) or JSON (`--json`).
 *
 * Configuration (environment): BROKER_CATALOGUE_FILE (default config/catalogue.example.yaml);
 * BROKER_TABLE_NAME (and BROKER_DYNAMODB_ENDPOINT for a local table) to read the broker's
 * requests, else every use is classified as if no grant existed (said on stderr);
 * BROKER_ISSUER_PRINCIPAL_ARNS and BROKER_ISSUER_ROLE_IDS (comma separated), as deployed.
 */
import { runAudit } from './audit-command';

runAudit(process.argv.slice(2), process).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`audit failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
