// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', '.cache/**', 'node_modules/**', '.vscode-test/**'] },
  js.configs.recommended,
  // Type-aware rules (floating promises, misused promises, unsafe any…) for every TypeScript file, each
  // checked with the tsconfig that compiles it (src: ./tsconfig.json; tests and the stand-in:
  // test/tsconfig.json; the bench: bench/tsconfig.json).
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './test/tsconfig.json', './bench/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
      // An async function that does not await still returns a promise, which is what its interface asks
      // for (fakes, ports); the rule only adds noise there.
      '@typescript-eslint/require-await': 'off',
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
    // Tests, the stand-in and scripts are command-line programs: printing is their job. Tests pass
    // methods around as callbacks (hooks, fakes), and read what Playwright's page.evaluate returns (any).
    files: ['test/**', 'stand-in/**', 'scripts/**', 'bench/**', 'esbuild.js'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', AbortController: 'readonly', Buffer: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
