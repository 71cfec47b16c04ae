import * as z from 'zod/mini';
import '../../zod-english';

/** `/approvals/{token}`: the token is validated by the use case (unknown tokens are 404, not 400, so nothing is revealed). */
export const approvalTokenPath = z.strictObject({ token: z.string().check(z.maxLength(200)) });
