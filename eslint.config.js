// ESLint: typescript-eslint's type-aware rules over every TypeScript file (sources, tests,
// examples), with the formatting rules left to Prettier (`pnpm format:check`).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'docs/**',
      'coverage/**',
      'test/bench/results/**',
      'test/docs/.examples-*/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Fastify's route handlers are async functions by convention, awaiting or not.
    files: ['**/fastify.ts', '**/fastify/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  prettier,
)
