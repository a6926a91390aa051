// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', '.cache/**', 'node_modules/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
    },
  },
  {
    // The layers the README promises: the core and the flows run under plain mocha, so they never reach
    // VS Code or the VS Code layer (src/vscode, src/views, src/commands, src/extension).
    files: ['src/core/**/*.ts', 'src/flows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core and src/flows have no vscode import: take a port instead.' }],
          patterns: [
            { group: ['**/vscode/*', '**/views/*', '**/commands/*', '**/extension'], message: 'src/core and src/flows cannot import the VS Code layer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core has no vscode import: take a port instead.' }],
          patterns: [
            { group: ['**/vscode/*', '**/views/*', '**/commands/*', '**/extension'], message: 'src/core cannot import the VS Code layer.' },
            { group: ['**/flows/*'], message: 'src/core cannot import the flows (a higher layer).' },
          ],
        },
      ],
    },
  },
  {
    // Tests, the stand-in and scripts are command-line programs: printing is their job.
    files: ['test/**', 'stand-in/**', 'scripts/**', 'esbuild.js'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', AbortController: 'readonly', Buffer: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
