// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The rooms of src/core/ from the bottom up, each with the rooms it may import (besides the shared files
 * at the top of core/: l10n, shared, emitter, time). A room imports only rooms below it.
 */
const CORE_ROOMS = {
  providers: [],
  keys: ['providers'],
  pieces: ['keys', 'providers'],
  store: ['keys', 'providers'],
  import: ['store', 'keys', 'providers'],
  sync: ['store', 'pieces', 'keys', 'providers'],
};

const NO_VSCODE = { name: 'vscode', message: 'No vscode import below the VS Code layer: take a port (flows/workbench.ts) instead.' };
const VSCODE_LAYER = {
  group: ['**/vscode/*', '**/views/*', '**/commands/*', '**/extension'],
  message: 'The VS Code layer (src/vscode, src/views, src/commands, src/extension.ts) is above this file.',
};
const FLOWS = { group: ['**/flows/*', '**/flows/**'], message: 'src/core cannot import the flows (a higher layer).' };

/** One no-restricted-imports rule per layer rule: the flows, the core's shared files, and each room of the core. */
function layerRules() {
  const restrict = (files, ...patterns) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns }] },
  });
  const room = (name, message) => ({ group: [`**/${name}/*`], message });
  const rooms = Object.keys(CORE_ROOMS);
  return [
    // Flows run under plain mocha: no vscode, nothing of the VS Code layer.
    restrict(['src/flows/**/*.ts'], VSCODE_LAYER),
    // The shared files at the top of core/ sit below every room.
    restrict(
      ['src/core/*.ts'],
      VSCODE_LAYER,
      FLOWS,
      ...rooms.map((r) => room(r, `The shared files of src/core/ import no room of the core (${r}/ is above them).`)),
    ),
    ...Object.entries(CORE_ROOMS).map(([name, below]) =>
      restrict(
        [`src/core/${name}/**/*.ts`],
        VSCODE_LAYER,
        FLOWS,
        ...rooms
          .filter((r) => r !== name && !below.includes(r))
          .map((r) =>
            room(
              r,
              `core/${name}/ may import only ${below.length ? below.map((b) => `${b}/`).join(', ') : 'the shared files of core/'}: ${r}/ is not below it.`,
            ),
          ),
      ),
    ),
  ];
}

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
  // The layers (docs/architecture.md, "Rooms"), one rule for each. No file below imports up a layer, and
  // no import circle anywhere in src/ (import-x/no-cycle).
  ...layerRules(),
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    // Type imports count: a circle of types is still a circle a newcomer has to untangle.
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
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
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
