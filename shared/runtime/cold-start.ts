/**
 * The exported `handler` of a function module: in Lambda (AWS_LAMBDA_FUNCTION_NAME set) it is
 * built at import, so a bad variable fails the cold start with its name, not a request;
 * elsewhere (local mode, tests importing the module) only on the first call, so importing a
 * function module never needs the deployed environment. Free of imports, so a function can use
 * it without compose's configuration parser.
 */
export function atColdStart<E, C, R>(create: () => (event: E, context: C) => Promise<R>): (event: E, context: C) => Promise<R> {
  let built = process.env.AWS_LAMBDA_FUNCTION_NAME ? create() : undefined;
  return (event, context) => (built ??= create())(event, context);
}
