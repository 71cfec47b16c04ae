// What `npm run lint` leaves alone (eslint.config.js), also read by test/static/typecheck-lint.test.ts
// to know which files the lint's answer depends on: folders of this repository's root, each
// with everything below it. node_modules and .git are skipped at any depth, as eslint does.
// .cache holds the DynamoDB Local jar, fetched into a temporary folder while the suite (and so
// the lint) runs: eslint walking it could find a folder gone.
export const LINT_IGNORED_ROOT_FOLDERS = ['node_modules', '.serverless', '.esbuild', 'dist', 'coverage', 'build', 'test-output', 'bench-output', '.cache'];
