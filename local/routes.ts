import { readServerlessYml } from './serverless-yml';

/** One HTTP route as serverless.yml declares it. */
export interface Route {
  functionName: string;
  method: string;
  path: string;
  /** `functions/create-request` from `functions/create-request.handler`. */
  module: string;
  exportName: string;
  authorized: boolean;
  pattern: RegExp;
  params: string[];
}

/**
 * Reads the deployed route table from serverless.yml so local mode serves exactly the
 * routes, handlers and authorizer settings that `osls deploy` creates.
 */
export function routesFromServerlessYml(file: string): Route[] {
  const doc = readServerlessYml(file);
  const routes: Route[] = [];
  for (const [functionName, fn] of Object.entries(doc.functions ?? {})) {
    for (const event of fn.events ?? []) {
      if (!event.httpApi) continue;
      const { method, path, authorizer } = event.httpApi;
      const dot = fn.handler.lastIndexOf('.');
      const params: string[] = [];
      const pattern = new RegExp(
        `^${path
          .split('/')
          .map((part) => {
            const m = /^\{(\w+)\}$/.exec(part);
            if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            params.push(m[1]!);
            return '([^/]+)';
          })
          .join('/')}$`,
      );
      routes.push({
        functionName,
        method: method.toUpperCase(),
        path,
        module: fn.handler.slice(0, dot),
        exportName: fn.handler.slice(dot + 1),
        authorized: authorizer !== undefined,
        pattern,
        params,
      });
    }
  }
  return routes;
}

export function matchRoute(routes: Route[], method: string, path: string) {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    try {
      const pathParameters = Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(m[i + 1]!)]));
      return { route, pathParameters };
    } catch {
      // Malformed percent-encoding: API Gateway answers 400 before any Lambda runs.
      return 'bad-request';
    }
  }
  return pathMatched ? 'method-not-allowed' : undefined;
}
