import type { Catalogue, ServiceDefinition, Target, WatchedRole } from './types';

/**
 * The format of build/catalogue.json, the catalogue as `npm run package` compiles it
 * (shared/catalogue/compiled.ts) and the functions read it. Free of runtime imports, so
 * getCatalogue's reader (shared/catalogue/listing.ts) can check the format without the full
 * check's code.
 *
 * Format 2 holds every service, the built-in ones first, as the broker reads them; format 1
 * held only the custom services. A package of another format is refused at cold start.
 */
export const COMPILED_CATALOGUE_FORMAT = 2;

/** What build/catalogue.json holds. */
export interface CompiledCatalogue {
  compiledCatalogue: typeof COMPILED_CATALOGUE_FORMAT;
  /** Every service, in catalogue order: the built-in ones, then the custom ones. */
  services: ServiceDefinition[];
  targets: Target[];
  watchedRoles: WatchedRole[];
}

/** A cold-start check of the parsed build/catalogue.json: the catalogue, or one `path: problem` line per problem. */
export type CatalogueCheck = (data: unknown) => { catalogue: Catalogue } | { issues: string[] };

export type Issues = string[];
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
export const isStringList = (v: unknown, min = 1): v is string[] => Array.isArray(v) && v.length >= min && v.every(isString);

/** The refusal of a file that is not this broker's compiled catalogue, or undefined. */
export function formatIssue(data: unknown): string | undefined {
  if (isObject(data) && data.compiledCatalogue === COMPILED_CATALOGUE_FORMAT) return undefined;
  const found = isObject(data) ? JSON.stringify(data.compiledCatalogue ?? null) : 'none';
  return `(top level): not a catalogue compiled by this broker's \`npm run package\` (format ${found}, expected ${COMPILED_CATALOGUE_FORMAT}); package again`;
}

/**
 * The file's fields but the format number: other top-level fields (added by later catalogue
 * features) pass through as compiled.
 */
export function withoutFormat(data: Record<string, unknown>): Record<string, unknown> {
  const { compiledCatalogue: _format, ...rest } = data;
  return rest;
}
