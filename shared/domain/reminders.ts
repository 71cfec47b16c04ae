/**
 * Reminders: approvers who have not decided are reminded at 25 % and 60 % of the approval
 * timeout, never more than twice and never after the decision. The workflow's approval wait is
 * cut into three parts at those points; each part's end reminds, the last one times out.
 */

/** When the reminders go out, as fractions of the approval timeout. */
export const REMINDER_FRACTIONS = [0.25, 0.6] as const;

/** The three waits (seconds, each at least 1) that add up to the approval timeout. */
export function approvalWaits(approvalTimeoutSeconds: number): { first: number; second: number; third: number } {
  const at25 = Math.max(1, Math.round(approvalTimeoutSeconds * REMINDER_FRACTIONS[0]));
  const at60 = Math.max(at25 + 1, Math.round(approvalTimeoutSeconds * REMINDER_FRACTIONS[1]));
  return { first: at25, second: at60 - at25, third: Math.max(1, approvalTimeoutSeconds - at60) };
}
