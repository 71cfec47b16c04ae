/**
 * Single-table key design (see docs/architecture.md, "Data model"):
 *
 * | item            | pk                 | sk          | gsi1 (byRequester)        | gsi2 (byTarget)          |
 * |-----------------|--------------------|-------------|---------------------------|--------------------------|
 * | access request  | REQ#<id>           | REQUEST     | REQUESTER#<sub> / <id>    | TARGET#<target> / <id>   |
 *   (while not final also gsi3 (byOpen): OPEN / <id>)
 * | credentials     | REQ#<id>           | CREDENTIALS | -                         | -                        |
 * | history entry   | REQ#<id>           | H#<at>#<sfx>| -                         | -                        |
 * | approval link   | LINK#<sha256>      | LINK        | -                         | -                        |
 * | seen event      | EVENT#<event id>   | EVENT       | -                         | -                        |
 * | open slots      | LIMIT#OPEN#<target>#<sub>  | LIMIT | -                   | -                        |
 * | submissions     | LIMIT#RATE#<window start>#<sub> | LIMIT | -              | -                        |
 * | auto-approval   | LIMIT#AUTO#<target>#<sub>  | LIMIT | -                   | -                        |
 *
 * Ids are time-sortable, so a descending query on either index is "newest first".
 */
export const INDEX_BY_REQUESTER = 'byRequester';
export const INDEX_BY_TARGET = 'byTarget';
/** Sparse: only requests that are not final carry its keys (gsi3pk `OPEN`, gsi3sk the id), for the sweep. */
export const INDEX_BY_OPEN = 'byOpen';
export const OPEN_PARTITION = 'OPEN';

export const requestKey = (id: string) => ({ pk: `REQ#${id}`, sk: 'REQUEST' });
export const credentialsKey = (id: string) => ({ pk: `REQ#${id}`, sk: 'CREDENTIALS' });
/** Sort-key prefix of a request's history items; `H$` sorts right after every one of them. */
export const HISTORY_PREFIX = 'H#';
export const HISTORY_END = 'H$';
/** One history entry stored apart (shared/domain/history.ts): position = `<at>#<suffix>`. */
export const historyKey = (id: string, position: string) => ({ pk: `REQ#${id}`, sk: `${HISTORY_PREFIX}${position}` });
export const linkKey = (tokenHash: string) => ({ pk: `LINK#${tokenHash}`, sk: 'LINK' });
export const eventKey = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' });
// The subject comes last: it is the IdP's string and may contain `#`; the other parts cannot.
export const openLimitKey = (target: string, sub: string) => ({ pk: `LIMIT#OPEN#${target}#${sub}`, sk: 'LIMIT' });
export const rateLimitKey = (windowStart: string, sub: string) => ({ pk: `LIMIT#RATE#${windowStart}#${sub}`, sk: 'LIMIT' });
export const autoApprovalKey = (target: string, sub: string) => ({ pk: `LIMIT#AUTO#${target}#${sub}`, sk: 'LIMIT' });
export const requesterPartition = (sub: string) => `REQUESTER#${sub}`;
export const targetPartition = (target: string) => `TARGET#${target}`;

/** DynamoDB TTL wants epoch seconds. */
export const ttlFrom = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
