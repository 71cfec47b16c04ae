import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { catalogueFor, type CatalogueViewDeps } from '../shared/usecases/catalogue-view';

/** This function's ports (composition root): the packaged catalogue; no AWS client at all. */
export type Ports = CatalogueViewDeps & HttpDeps;
const wiring: Wiring<Ports> = { settings: base.settings, logger: base.logger, catalogue: base.catalogue };

/** GET /catalogue. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt' }, async ({ deps, caller }) => json(200, catalogueFor(deps, caller)));

export const handler = atColdStart(createHandler);
