import { ValidationError } from './errors';
import { STS_MIN_SESSION_SECONDS } from './issuance';

const COMPACT = /^(?:(\d+)h)?(?:(\d+)m)?$/i;
const ISO = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/i;

/** Shortest grant the broker issues: STS refuses sessions under 900 s. */
export const MIN_DURATION_SECONDS = STS_MIN_SESSION_SECONDS;

/**
 * Parses `15m`, `90m`, `2h`, `1h30m` or ISO-8601 `PT2H` / `PT1H30M` / `PT900S` into seconds.
 * Returns undefined for anything else so callers can name the field in their own error.
 */
export function parseDurationSeconds(input: string): number | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  const compact = COMPACT.exec(text);
  if (compact && (compact[1] !== undefined || compact[2] !== undefined)) {
    return Number(compact[1] ?? 0) * 3600 + Number(compact[2] ?? 0) * 60;
  }
  const iso = ISO.exec(text);
  if (iso && (iso[1] !== undefined || iso[2] !== undefined || iso[3] !== undefined)) {
    return Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0);
  }
  return undefined;
}

/** Like parseDurationSeconds but throws a ValidationError naming `field`. */
export function requireDurationSeconds(input: string, field: string): number {
  const seconds = parseDurationSeconds(input);
  if (seconds === undefined) {
    throw new ValidationError(`${field} must be a duration such as 15m, 2h, 1h30m or PT2H`, [
      { field, rule: 'duration-format', message: `"${input}" is not a duration such as 15m, 2h, 1h30m or PT2H` },
    ]);
  }
  return seconds;
}

/** 5400 -> "1h30m", 900 -> "15m": the compact form people type. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('');
  return parts === '' ? '0m' : parts;
}
