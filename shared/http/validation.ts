import * as z from 'zod/mini';
import '../zod-english';
import { ValidationError, type ErrorDetail } from '../domain/errors';

/** `services[2]`, `approvals.0.by` -> readable field paths. */
function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    out = typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part);
  }
  return out;
}

/** Turns zod issues into details that name the field and the broken rule. */
export function zodDetails(error: z.core.$ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.flatMap((issue): ErrorDetail[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath(prefix, [...issue.path, key]),
        rule: 'unknown-field',
        message: 'is not a known field',
      }));
    }
    // A custom check names its own rule (e.g. plain-text, min-visible); zod's own checks go by their code.
    const rule = issue.code === 'custom' && typeof issue.params?.rule === 'string' ? issue.params.rule : issue.code;
    return [{ field: fieldPath(prefix, issue.path) || prefix || '(root)', rule, message: issue.message }];
  });
}

/** The issues in one line, `field: message; ...`, for an error message or a log. */
export function zodSummary(error: z.core.$ZodError, prefix = ''): string {
  return zodDetails(error, prefix)
    .map((d) => `${d.field}: ${d.message}`)
    .join('; ');
}

export function parseWith<S extends z.core.$ZodType>(schema: S, value: unknown, where: string, prefix = ''): z.infer<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const details = zodDetails(result.error, prefix);
  throw new ValidationError(
    `Invalid ${where}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
    details,
  );
}
