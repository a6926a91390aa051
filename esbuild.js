// Bundles the extension, in the shape of the `yo code` esbuild template: dist/extension.js is what
// activates; dist/commands.js (the key flows) is loaded on the first command and dist/use-keys.js (the
// "use the keys" flows and dotenv) on first use;
// dist/keychain-helper.js runs keytar in a child process (see src/core/import/keychain.ts).
// `--production` minifies and drops source maps; `--watch` rebuilds on change.
// `--stand-in` instead bundles what the scripts run without compiling the tests: the stand-in Pieces OS
// (out/stand-in.js, `npm run stand-in`; it also exports startStandIn) and discovery (out/discovery.js).
// Required as a module (by bench/run.mjs), it only exports the extension's build options, so that the
// bench sizes our bundle and the official SDK's with exactly the flags of the production build.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const standIn = process.argv.includes('--stand-in');

/** Prints errors in the form the `$esbuild-watch` problem matcher reads. @type {import('esbuild').Plugin} */
const esbuildProblemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

/** The stand-in and discovery for scripts/start.mjs and `npm run stand-in`: about 0.1 s, no tsc. */
async function buildTools() {
  await esbuild.build({
    entryPoints: { 'stand-in': 'stand-in/main.ts', discovery: 'src/core/pieces/discovery.ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    outdir: 'out',
    packages: 'external',
    logLevel: 'warning',
  });
}

/**
 * One copy of @vscode/l10n for every bundle: it holds the window's translations as module state, so each
 * bundle requires dist/l10n.js (built from it below) rather than carrying a copy of its own.
 * @type {import('esbuild').Plugin}
 */
const sharedL10nPlugin = {
  name: 'shared-l10n',
  setup(build) {
    // Every import of it becomes one small module of the bundle that requires the shared copy.
    build.onResolve({ filter: /^@vscode\/l10n$/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: 'l10n', namespace: 'shared-l10n' },
    );
    build.onLoad({ filter: /.*/, namespace: 'shared-l10n' }, () => ({ contents: 'module.exports = require("./l10n.js");', loader: 'js' }));
    build.onResolve({ filter: /^\.\/l10n\.js$/, namespace: 'shared-l10n' }, () => ({ path: './l10n.js', external: true }));
  },
};

/** What every bundle of the extension shares. @returns {import('esbuild').BuildOptions} */
function common(production) {
  return {
    bundle: true,
    format: 'cjs',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    platform: 'node',
    target: 'node18',
    external: ['vscode', 'keytar'],
    logLevel: 'silent',
    metafile: true,
    plugins: [sharedL10nPlugin],
  };
}

/** The activation bundle's options; `production` is what `vsce package` ships. @returns {import('esbuild').BuildOptions} */
function extensionOptions(production) {
  return { ...common(production), entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' };
}

/** The bundles loaded later (first use), beside the activation bundle. @returns {import('esbuild').BuildOptions} */
function laterOptions(production) {
  return {
    ...common(production),
    entryPoints: {
      commands: 'src/commands/keyCommands.ts',
      'use-keys': 'src/commands/useKeyCommands.ts',
      'keychain-helper': 'src/core/import/keychainHelper.ts',
      l10n: '@vscode/l10n',
    },
    outdir: 'dist',
  };
}

async function main() {
  if (standIn) return buildTools();
  const contexts = await Promise.all(
    [extensionOptions(production), laterOptions(production)].map((options) =>
      esbuild.context({ ...options, plugins: [...(options.plugins ?? []), esbuildProblemMatcherPlugin] }),
    ),
  );
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  for (const ctx of contexts) {
    const result = await ctx.rebuild();
    await ctx.dispose();
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      if (output.entryPoint) console.log(`${file}: ${(output.bytes / 1024).toFixed(1)} KB (${production ? 'production' : 'development'})`);
    }
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

module.exports = { extensionOptions, laterOptions };
