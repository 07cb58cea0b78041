// Lint rules that keep the workflow sandbox deterministic and the code honest about promises and types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.cache/**',
      'eslint.config.mjs',
      'bin/**',
      'scripts/*.js',
      'examples/package/**',
      // Its own npm project with its own dependencies (Temporal 1.23), which the root's type-aware lint cannot resolve.
      'bench/peer/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The chat page's plain browser modules: no TypeScript project to type-check them against.
    files: ['src/http/page/**/*.mjs'],
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'location',
          'history',
          'sessionStorage',
          'fetch',
          'crypto',
          'TextDecoderStream',
          'setTimeout',
          'URL',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // Workflow code is replayed from history: no I/O, no clocks, no SDK clients. Only
    // @temporalio/workflow, src/shared and type-only imports of activities are allowed.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Node built-ins are not deterministic; use an activity.',
          })),
          patterns: [
            {
              group: ['@anthropic-ai/*'],
              message: 'Call Claude from the callClaude activity, not the workflow.',
            },
            {
              group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client'],
              message: 'Workflow code may only use @temporalio/workflow.',
            },
            {
              group: ['**/activities/*', '**/activities'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
            {
              regex: '(^|/)shared(/(index|input|pricing))?$',
              allowTypeImports: true,
              message:
                'zod and the price table stay out of the workflow bundle (pinRun resolves them); import the shared module you need by its own path.',
            },
          ],
        },
      ],
    },
  },
);
