/**
 * Single-table key design (see docs/architecture.md, "Data model"):
 *
 * | item            | pk                 | sk          | gsi1 (byRequester)        | gsi2 (byTarget)          |
 * |-----------------|--------------------|-------------|---------------------------|--------------------------|
 * | access request  | REQ#<id>           | REQUEST     | REQUESTER#<sub> / <id>    | TARGET#<target> / <id>   |
 * | credentials     | REQ#<id>           | CREDENTIALS | -                         | -                        |
 * | history entry   | REQ#<id>           | H#<at>#<sfx>| -                         | -                        |
 * | approval link   | LINK#<sha256>      | LINK        | -                         | -                        |
 * | seen event      | EVENT#<event id>   | EVENT       | -                         | -                        |
 *
 * Ids are time-sortable, so a descending query on either index is "newest first".
 */
export const INDEX_BY_REQUESTER = 'byRequester';
export const INDEX_BY_TARGET = 'byTarget';

export const requestKey = (id: string) => ({ pk: `REQ#${id}`, sk: 'REQUEST' });
export const credentialsKey = (id: string) => ({ pk: `REQ#${id}`, sk: 'CREDENTIALS' });
/** Sort-key prefix of a request's history items; `H$` sorts right after every one of them. */
export const HISTORY_PREFIX = 'H#';
export const HISTORY_END = 'H$';
/** One history entry stored apart (shared/domain/history.ts): position = `<at>#<suffix>`. */
export const historyKey = (id: string, position: string) => ({ pk: `REQ#${id}`, sk: `${HISTORY_PREFIX}${position}` });
export const linkKey = (tokenHash: string) => ({ pk: `LINK#${tokenHash}`, sk: 'LINK' });
export const eventKey = (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' });
export const requesterPartition = (sub: string) => `REQUESTER#${sub}`;
export const targetPartition = (target: string) => `TARGET#${target}`;

/** DynamoDB TTL wants epoch seconds. */
export const ttlFrom = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
