import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import * as z from 'zod';
import type { Catalogue } from '../shared/catalogue/types';
import { ValidationError, type ErrorDetail } from '../shared/domain/errors';
import { compilePattern, matchesCompiledPattern, type CompiledPattern, type EventPattern } from '../shared/eventbridge/pattern';
import { errorBody } from '../shared/http/error-response';
import { zodDetails, zodSummary } from '../shared/http/validation';
import { TrailLogFormatError } from '../shared/alerts/trail-log';
import type { AlertDeps } from '../shared/usecases/alert-on-role-use';
import { reconcileTrailLog, TrailReconciliationIncompleteError } from '../shared/usecases/reconcile-trail';
import { parseJsonBody, sendJson } from './local-routes';
import type { LocalRoute } from './server';

/** One rule of infra/alert-rules.cjs. */
export interface AlertRule {
  name: string;
  description: string;
  /** serverless.yml function the rule delivers to. */
  target: string;
  /** 'roles' when the pattern lists the watched roles, 'accounts' for the size fallback. */
  matchBy: 'roles' | 'accounts';
  pattern: EventPattern;
}

interface AlertRulesModule {
  rules: AlertRule[];
  buildAlertRules(catalogue: unknown, options?: { source?: string; maxPatternChars?: number }): { rules: AlertRule[] };
}

const require = createRequire(import.meta.url);

/** infra/alert-rules.cjs: the module serverless.yml takes the deployed patterns from. */
export function alertRulesModule(): AlertRulesModule {
  return require('../infra/alert-rules.cjs') as AlertRulesModule;
}

/**
 * The rules for this catalogue, built by the same code that produces the deployed patterns
 * (infra/alert-rules.cjs), so a local broker started on another catalogue watches its roles.
 */
export function alertRulesFor(catalogue: Catalogue): AlertRule[] {
  return alertRulesModule().buildAlertRules(catalogue, { source: 'local catalogue' }).rules;
}

/** Most events one POST may carry (the demo and the tests send 1,000). */
export const MAX_EVENTS_PER_POST = 10_000;

/** How many deliveries run at once, like concurrent Lambda invocations. */
const DELIVERY_CONCURRENCY = 16;

/** What EventBridge itself requires of an event; anything else about it is the target's business. */
const eventEnvelopeSchema = z.looseObject({
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  detail: z.looseObject({}),
  id: z.string().min(1).optional(),
  time: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  version: z.string().optional(),
  resources: z.array(z.string()).optional(),
});

/** One rule's verdict on one event, and what its target made of it. */
export interface RuleResult {
  rule: string;
  matched: boolean;
  /** The target's return value (for the alert function: outcome, classification, severity, requestId...). */
  outcome?: unknown;
  /** The target threw: in AWS the delivery would be retried, then dead-lettered. */
  error?: string;
}

/** One event of an array body. */
export interface EventResult {
  index: number;
  /** The CloudTrail eventID (detail.eventID), else the envelope id. */
  eventId?: string;
  /** Why the entry is not an EventBridge event at all (then it matched nothing). */
  invalid?: string;
  rules: RuleResult[];
}

export interface EventsSummary {
  events: number;
  /** Entries that are not EventBridge events (no source, detail-type or detail object). */
  invalid: number;
  /** Events that matched at least one rule and were delivered. */
  matched: number;
  unmatched: number;
  /** Deliveries whose target threw. */
  failed: number;
  /** Outcomes the alert function reported, by kind (alarmed, duplicate, ignored, malformed, unsupported). */
  outcomes: Record<string, number>;
}

type Json = Record<string, unknown>;

function badRequest(res: ServerResponse, code: string, message: string, details: ErrorDetail[] = []) {
  sendJson(res, 400, errorBody(new ValidationError(message, details, code)));
}

/** Fills the envelope fields EventBridge adds to every event, when a hand-written event lacks them. */
function withEnvelope(event: Json, now: Date): Json {
  return {
    version: '0',
    id: randomUUID(),
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    account: '000000000000',
    region: 'us-east-1',
    resources: [],
    ...event,
  };
}

function eventIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const detail = (event as Json)['detail'];
  const fromDetail = typeof detail === 'object' && detail !== null ? (detail as Json)['eventID'] : undefined;
  if (typeof fromDetail === 'string') return fromDetail;
  const id = (event as Json)['id'];
  return typeof id === 'string' ? id : undefined;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * `POST /_local/events` (docs/api.md, "Local-only routes"): the body is one EventBridge event or an array of
 * them. Each event is matched against the alert rules (infra/alert-rules.cjs, the patterns
 * serverless.yml deploys) with the project's EventBridge matcher and delivered to each matching
 * rule's target through `invoke`, as EventBridge would.
 *
 * Envelope fields EventBridge adds (id, time, account, region, version, resources) are filled in
 * when missing, so a hand-written `{source, detail-type, detail}` works.
 *
 * Answers 200 with:
 * - one event:   `{results: [{rule, matched, outcome?, error?}], summary}`: one entry per rule,
 *                plus what the target returned when it matched;
 * - an array:    `{results: [{index, eventId?, invalid?, rules: [{rule, matched, outcome?, error?}]}], summary}`:
 *                one entry per event, in order.
 * `summary` counts events, invalid entries (not EventBridge events: counted, never delivered),
 * matched/unmatched events, failed deliveries, and the alert function's outcomes by kind
 * (`malformed` = delivered but rejected by its validation).
 *
 * 400 for a body that is not JSON, is empty, is neither an object nor an array, has too many
 * events, or (single event) is not an EventBridge event.
 */
export function localEventRoutes(broker: {
  invoke(functionName: string, event: unknown): Promise<unknown>;
  deps: AlertDeps & { catalogue: Catalogue };
}): Record<string, LocalRoute> {
  const rules = alertRulesFor(broker.deps.catalogue).map((rule) => ({ ...rule, compiled: compilePattern(rule.pattern) as CompiledPattern }));

  async function deliver(event: Json): Promise<RuleResult[]> {
    const results: RuleResult[] = [];
    for (const rule of rules) {
      if (!matchesCompiledPattern(rule.compiled, event)) {
        results.push({ rule: rule.name, matched: false });
        continue;
      }
      try {
        results.push({ rule: rule.name, matched: true, outcome: await broker.invoke(rule.target, event) });
      } catch (e) {
        results.push({ rule: rule.name, matched: true, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      }
    }
    return results;
  }

  function summarize(perEvent: { invalid?: string; rules: RuleResult[] }[]): EventsSummary {
    const summary: EventsSummary = { events: perEvent.length, invalid: 0, matched: 0, unmatched: 0, failed: 0, outcomes: {} };
    for (const entry of perEvent) {
      if (entry.invalid !== undefined) {
        summary.invalid++;
        continue;
      }
      const matched = entry.rules.filter((r) => r.matched);
      if (matched.length === 0) summary.unmatched++;
      else summary.matched++;
      for (const r of matched) {
        if (r.error !== undefined) summary.failed++;
        const kind = (r.outcome as { outcome?: unknown } | undefined)?.outcome;
        if (typeof kind === 'string') summary.outcomes[kind] = (summary.outcomes[kind] ?? 0) + 1;
      }
    }
    return summary;
  }

  return {
    /**
     * `POST /_local/trail`: the body is one CloudTrail log file, `{"Records":[...]}` as JSON or
     * gzip, processed as the deployed reconcileTrail function processes a delivered file. Answers
     * 200 `{records, watched, alarmed, duplicates, ignored}`; 400 for a body that is not a log file;
     * 503 (with the counts) when some alarms could not be settled and the file should be posted again.
     */
    'POST /_local/trail': async ({ body, res }) => {
      if (body.length === 0) return badRequest(res, 'EMPTY_BODY', 'body is empty: send one CloudTrail log file ({"Records":[...]}, JSON or gzip)');
      try {
        const { records, watched, alarmed, duplicates, ignored } = await reconcileTrailLog(broker.deps, body, 'POST /_local/trail');
        return sendJson(res, 200, { records, watched, alarmed, duplicates, ignored });
      } catch (e) {
        if (e instanceof TrailLogFormatError) return badRequest(res, 'NOT_A_TRAIL_LOG_FILE', `body is not a CloudTrail log file: ${e.message}`);
        if (e instanceof TrailReconciliationIncompleteError) return sendJson(res, 503, { error: { code: 'RECONCILIATION_INCOMPLETE', message: e.message }, ...e.result });
        throw e;
      }
    },

    'POST /_local/events': async ({ body, res }) => {
      if (body.toString('utf8').trim() === '') {
        return badRequest(res, 'MALFORMED_JSON', 'body is empty: send one EventBridge event (a JSON object) or a JSON array of them');
      }
      const json = parseJsonBody(body);
      if (!json.ok) return badRequest(res, 'MALFORMED_JSON', json.message);
      const parsed = json.value;
      const now = broker.deps.clock.now();

      if (Array.isArray(parsed)) {
        if (parsed.length > MAX_EVENTS_PER_POST) {
          return badRequest(res, 'TOO_MANY_EVENTS', `body has ${parsed.length} events; at most ${MAX_EVENTS_PER_POST} per request`);
        }
        const results = await mapLimited(parsed, DELIVERY_CONCURRENCY, async (entry, index): Promise<EventResult> => {
          const eventId = eventIdOf(entry);
          const envelope = eventEnvelopeSchema.safeParse(entry);
          if (!envelope.success) {
            return { index, ...(eventId ? { eventId } : {}), invalid: `not an EventBridge event: ${zodSummary(envelope.error)}`, rules: [] };
          }
          return { index, ...(eventId ? { eventId } : {}), rules: await deliver(withEnvelope(envelope.data, now)) };
        });
        return sendJson(res, 200, { results, summary: summarize(results) });
      }

      if (typeof parsed !== 'object' || parsed === null) {
        return badRequest(res, 'VALIDATION_FAILED', `body must be one EventBridge event (a JSON object) or an array of them, not ${parsed === null ? 'null' : typeof parsed}`);
      }
      const envelope = eventEnvelopeSchema.safeParse(parsed);
      if (!envelope.success) {
        return badRequest(res, 'VALIDATION_FAILED', `body is not an EventBridge event: ${zodSummary(envelope.error)}`, zodDetails(envelope.error));
      }
      const rulesResult = await deliver(withEnvelope(envelope.data, now));
      return sendJson(res, 200, { results: rulesResult, summary: summarize([{ rules: rulesResult }]) });
    },
  };
}
