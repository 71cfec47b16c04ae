/**
 * A bad or missing environment variable: the cold start fails with one line per problem, each
 * naming the variable and the rule. Kept free of zod so lean functions (getCatalogue) can fail
 * their cold start exactly as loadConfig does.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One problem line, worded as loadConfig words it: an absent or empty value is "required". */
export function configProblem(variable: string, value: string | undefined, rule: string): string {
  return value === undefined || value === '' ? `${variable} is required (${rule})` : `${variable}: ${rule}`;
}
