import { readCompiledCatalogueShape } from '../shared/catalogue/listing';
import { readCatalogueJson } from '../shared/catalogue/read-json';
import { loadEdgeSettings, type EdgeSettings } from '../shared/config/edge-settings';
import { leanApiHandler, type LeanHttpDeps } from '../shared/http/lean-handler';
import { json } from '../shared/http/responses';
import { createConsoleLogger } from '../shared/log/console-logger';
import { atColdStart } from '../shared/runtime/cold-start';
import { catalogueFor, type CatalogueViewDeps } from '../shared/usecases/catalogue-view';

/**
 * This function's ports (composition root): the packaged catalogue; no AWS client at all.
 *
 * The one function whose cold start is not dominated by AWS SDK clients, so it is built lean
 * (docs/architecture.md, "A lean edge for getCatalogue"): no middy, zod or Powertools, four
 * environment variables read without zod (loadEdgeSettings, the same rules as loadConfig), the
 * catalogue's structural check only (it compiles no session policy), and a console logger that
 * prints only errors. Its handler answers as apiHandler would: same statuses, headers and bodies.
 */
export type Ports = CatalogueViewDeps & LeanHttpDeps;

/** GET /catalogue. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}, env: Record<string, string | undefined> = process.env) => {
  // Read only if a port has to be built from the environment (as compose does with loadConfig).
  let settings: EdgeSettings | undefined;
  const edge = () => (settings ??= loadEdgeSettings(env));
  const deps: Ports = {
    settings: given.settings ?? edge(),
    logger: given.logger ?? createConsoleLogger({ level: edge().logLevel, base: { fn: env.AWS_LAMBDA_FUNCTION_NAME } }),
    // Packaged next to the bundle as JSON (LAMBDA_TASK_ROOT + BROKER_CATALOGUE_FILE).
    catalogue: given.catalogue ?? readCatalogueJson(`${env.LAMBDA_TASK_ROOT ?? process.cwd()}/${edge().catalogueFile}`, readCompiledCatalogueShape),
  };
  return leanApiHandler(deps, ({ deps, caller }) => json(200, catalogueFor(deps, caller)));
};

export const handler = atColdStart(createHandler);
