/** The catalogue could not be read or broke a rule; `issues` has one `path: problem` line each. */
export class CatalogueError extends Error {
  readonly source: string;
  readonly issues: string[];

  constructor(source: string, issues: string[]) {
    super(`Invalid catalogue ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'CatalogueError';
    this.source = source;
    this.issues = issues;
  }
}
