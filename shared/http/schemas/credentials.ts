import * as z from 'zod/mini';
import '../../zod-english';

/** GET /requests/{id}/credentials?format=&service=&region= */
export const credentialsQuery = z.strictObject({
  format: z._default(z.enum(['json', 'env', 'credential_process'], { error: 'must be json, env or credential_process' }), 'json'),
  /** The console page the sign-in URL opens: one of the request's services (default its first). */
  service: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,64}$/, 'must be a service key such as ec2'))),
  /** The console's region (default the target's). */
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be a region name such as eu-west-1'))),
});
