// Lint rules that keep the bundles lean and the layering honest. `npm run lint`.
import tseslint from 'typescript-eslint';
import { LINT_IGNORED_ROOT_FOLDERS } from './eslint-ignores.js';

export default tseslint.config(
  { ignores: LINT_IGNORED_ROOT_FOLDERS.map((folder) => `${folder}/**`) },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // `import { z } from 'zod'` pulls every zod locale into a bundle (about 455 KB);
          // the namespace import tree-shakes to what is used.
          selector: "ImportDeclaration[source.value=/^zod(\\/.*)?$/] > ImportSpecifier",
          message: "Import zod as a namespace (`import * as z from 'zod'`) so that esbuild can tree-shake it.",
        },
        {
          selector: "ImportDeclaration[source.value=/^zod(\\/.*)?$/] > ImportDefaultSpecifier",
          message: "Import zod as a namespace (`import * as z from 'zod'`) so that esbuild can tree-shake it.",
        },
      ],
    },
  },
  {
    // Code that functions bundle: zod/mini is about 17 KB minified where classic zod is about
    // 90 KB, and most of a function's cold start beyond its SDK clients was classic zod.
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['zod', 'zod/v4', 'zod/v3', 'zod/v4/classic'].map((name) => ({
            name,
            message:
              "shared/ and functions/ are bundled into the Lambda functions: import * as z from 'zod/mini' " +
              "(classic zod adds about 75 KB and 25 ms of cold start to every function). " +
              "Messages stay English through shared/zod-english.ts.",
          })),
        },
      ],
    },
  },
);
