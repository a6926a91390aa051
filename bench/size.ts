// Sizes: our production bundle, the same five calls through the official SDK bundled with the same
// flags, and the VSIX. Also what each bundle carries (esbuild metafile: top inputs by bytes).
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';
import * as esbuild from 'esbuild';

export interface Input {
  path: string;
  bytes: number;
}

export interface SizeResult {
  bundle_bytes: number;
  sdk_bundle_bytes: number;
  /** How many times smaller our bundle is than the SDK's. */
  sdk_over_bundle: number;
  vsix_bytes: number;
  bundle_top_inputs: Input[];
  sdk_top_packages: Input[];
  bundle_builtins: string[];
}

/** The production build's options, from esbuild.js, so the flags are the shipped ones exactly. */
function productionOptions(root: string): BuildOptions {
  const load = createRequire(path.join(root, 'package.json'));
  const { extensionOptions } = load(path.join(root, 'esbuild.js')) as { extensionOptions(production: boolean): BuildOptions };
  return { ...extensionOptions(true), absWorkingDir: root, metafile: true, logLevel: 'error' };
}

function topInputs(metafile: Metafile, count: number, group: (input: string) => string): Input[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint)!;
  const sums = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    sums.set(group(input), (sums.get(group(input)) ?? 0) + bytesInOutput);
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([p, bytes]) => ({ path: p, bytes }));
}

/** node_modules/@scope/name/dist/x.js → @scope/name/dist; our own files stay as they are. */
function packageFolder(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/([^/]+)?/.exec(input);
  return match ? `${match[1]}/${match[2] ?? ''}` : input;
}

/**
 * Builds both bundles into `outDir` (extension.js with the l10n.js it requires, as in dist/, and sdk-calls.js)
 * and returns their sizes: ours counts both files, since activation loads both.
 */
export async function buildBundles(
  root: string,
  outDir: string,
): Promise<Omit<SizeResult, 'vsix_bytes'> & { bundle: string; sdkBundle: string }> {
  const options = productionOptions(root);
  const bundle = path.join(outDir, 'extension.js');
  const sdkBundle = path.join(outDir, 'sdk-calls.js');
  const ours = await esbuild.build({ ...options, outfile: bundle });
  const { outfile: _extensionFile, ...withoutOutfile } = options;
  const l10n = await esbuild.build({ ...withoutOutfile, entryPoints: { l10n: '@vscode/l10n' }, outdir: outDir });
  const sdk = await esbuild.build({ ...options, entryPoints: [path.join(root, 'bench/sdkCalls.ts')], outfile: sdkBundle });
  const bytes = (metafile: Metafile): number => Object.values(metafile.outputs).find((o) => o.entryPoint)!.bytes;
  const ourOutput = Object.values(ours.metafile!.outputs).find((o) => o.entryPoint)!;
  const builtins = [
    ...new Set(ourOutput.imports.filter((i) => i.external && i.path !== 'vscode' && !i.path.startsWith('./')).map((i) => i.path)),
  ];
  const ourBytes = bytes(ours.metafile!) + bytes(l10n.metafile!);
  return {
    bundle,
    sdkBundle,
    bundle_bytes: ourBytes,
    sdk_bundle_bytes: bytes(sdk.metafile!),
    sdk_over_bundle: Math.round((bytes(sdk.metafile!) / ourBytes) * 10) / 10,
    bundle_top_inputs: topInputs(ours.metafile!, 12, (input) => input),
    sdk_top_packages: topInputs(sdk.metafile!, 5, packageFolder),
    bundle_builtins: builtins,
  };
}

/** Packages the VSIX the way `npm run package` does (vsce, production bundle) into `file`. */
export function packageVsix(root: string, file: string): number {
  execFileSync(process.execPath, [path.join(root, 'scripts/package.mjs'), '--out', file], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return statSync(file).size;
}
