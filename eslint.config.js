// Lint rules that keep the bundles lean and the layering honest. `npm run lint`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.serverless/**', '.esbuild/**', 'dist/**', 'coverage/**'] },
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
);
