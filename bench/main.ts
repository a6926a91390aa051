// `npm run bench` (bench/run.mjs builds this file): measures the extension side by side with the official
// SDK and the floors (raw fetch, an empty process), prints tables and writes bench/results.json.
//   --quick        small sizes and a few rounds (CI runs it once so the bench cannot rot)
//   --out FILE     where to write the results (default bench/results.json)
// Not a timed test: it asserts only that every part ran and every result key is there.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureActivation } from './activation';
import { OPERATIONS } from './calls';
import { measureDiscovery } from './discovery';
import { CHANGES, measureExtension } from './extension';
import { measureOps } from './ops';
import { measureScale, slopes } from './scale';
import { buildBundles, packageVsix } from './size';
import { bytes, ms, table } from './stats';
import { checkResults, targetRows } from './targets';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT_DIR = __dirname;

const FULL = {
  activationRuns: 50,
  opRounds: 500,
  opWarmup: 50,
  discoveryRuns: 20,
  scale: { sizes: [10, 100, 1_000, 10_000], opsPerKind: 30, renders: 10, syncs: 3 },
  extension: { sizes: [10, 100, 1_000, 10_000], readyRuns: 7, rounds: 15, renders: 10 },
};
const QUICK = {
  activationRuns: 3,
  opRounds: 10,
  opWarmup: 3,
  discoveryRuns: 2,
  scale: { sizes: [10, 100], opsPerKind: 5, renders: 2, syncs: 2 },
  extension: { sizes: [10, 100], readyRuns: 2, rounds: 2, renders: 2 },
};

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

function step(title: string): void {
  process.stdout.write(`\n== ${title}\n`);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const settings = quick ? QUICK : FULL;
  const outFile = path.resolve(argValue('--out') ?? path.join(ROOT, 'bench', 'results.json'));
  const cpu = os.cpus();
  const machine = {
    cpus: cpu.length,
    cpu_model: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
  };
  process.stdout.write(
    `provider-keys bench${quick ? ' (quick)' : ''}: ${machine.cpus} cores (${machine.cpu_model}), node ${machine.node}\n`,
  );

  step('sizes');
  const sizes = await buildBundles(ROOT, OUT_DIR);
  const vsixBytes = packageVsix(ROOT, path.join(OUT_DIR, 'bench.vsix'));
  process.stdout.write(
    `${table([
      ['what', 'bytes'],
      ['production bundle', bytes(sizes.bundle_bytes)],
      ['SDK bundle (same five calls, same flags)', bytes(sizes.sdk_bundle_bytes)],
      ['VSIX', bytes(vsixBytes)],
    ])}\n\nwhat the production bundle carries (top inputs):\n${table([['input', 'bytes'], ...sizes.bundle_top_inputs.map((i) => [i.path, bytes(i.bytes)])])}\n` +
      `\nwhat the SDK bundle carries (top packages):\n${table([['package folder', 'bytes'], ...sizes.sdk_top_packages.map((i) => [i.path, bytes(i.bytes)])])}\n`,
  );

  step('activation (fresh process each run, minus the same Node built-ins alone)');
  const activation = measureActivation(path.join(OUT_DIR, 'activateChild.js'), sizes.bundle, settings.activationRuns);
  process.stdout.write(
    `${table([
      ['figure', 'median'],
      ['require + activate()', ms(activation.ext_total_ms_median)],
      ['  require (module evaluation)', ms(activation.ext_require_ms_median)],
      ['  activate()', ms(activation.ext_activate_only_ms_median)],
      [`built-ins alone (${activation.builtins.join(', ')})`, ms(activation.baseline_ms_median)],
      ['activation above the built-ins', ms(activation.activate_ms_median)],
    ])}\ninternal Node modules loaded by activation: ${activation.internal_modules_loaded} (by the built-ins alone: ${activation.internal_modules_in_baseline})\n`,
  );

  step(`per call: ours vs raw fetch vs the official SDK (${settings.opRounds} interleaved rounds)`);
  const ops = await measureOps({
    rounds: settings.opRounds,
    warmupRounds: settings.opWarmup,
    serverScript: path.join(OUT_DIR, 'opsServer.js'),
    sdkBundle: sizes.sdkBundle,
  });
  process.stdout.write(
    `${table([
      [
        'operation',
        'raw median',
        'ours median',
        'sdk median',
        'raw http median',
        'raw p99',
        'ours p99',
        'sdk p99',
        'ours/raw',
        'ours/sdk',
        'ours/raw http',
        'each-call check/raw',
      ],
      ...OPERATIONS.map((op) => {
        const r = ops.per_op[op];
        return [
          op,
          ms(r.raw.median_ms),
          ms(r.ours.median_ms),
          ms(r.sdk.median_ms),
          ms(r.raw_http.median_ms),
          ms(r.raw.p99_ms),
          ms(r.ours.p99_ms),
          ms(r.sdk.p99_ms),
          `${r.ratio_vs_raw_median.toFixed(2)}×`,
          `${r.ratio_vs_sdk_median.toFixed(2)}×`,
          `${r.ratio_vs_raw_http_median.toFixed(2)}×`,
          `${r.check_each_call_vs_raw_median.toFixed(2)}×`,
        ];
      }),
    ])}\nGET /user per key call, steady state: ours ${ops.user_requests_per_key_call.ours}, with the check before each call ${ops.user_requests_per_key_call.ours_check_each_call}\n`,
  );

  step(`discovery (stand-in ports outside 39300–39333, median of ${settings.discoveryRuns})`);
  const discovery = await measureDiscovery(settings.discoveryRuns);
  process.stdout.write(
    `${table([
      ['case', 'median'],
      ['found (service on the 39333 role)', ms(discovery.discovery_found_ms)],
      ['nothing listening', ms(discovery.discovery_none_ms)],
      ['one port hangs, the service is on a legacy port', ms(discovery.discovery_hung_ms)],
      ['one port hangs, the service is in the same range', ms(discovery.discovery_hung_same_group_ms)],
    ])}\n${discovery.misses.length > 0 ? `warning: ${discovery.misses.length} of ${discovery.runs * 4} discoveries missed (probe timeout on a loaded machine?): ${[...new Set(discovery.misses)].join('; ')}\n` : ''}`,
  );

  step('scale (per operation: record files on this disk, flushed; SecretStorage in memory; both counted)');
  const scale = await measureScale(settings.scale);
  const slope = slopes(scale);
  process.stdout.write(
    `${table([
      ['keys', 'add', 'rotate', 'delete', 'render (all rows)', 'sync', 'secret reads/sync', 'secret reads/render', 'bytes written/op'],
      ...scale.map((r) => [
        r.keys.toLocaleString('en-US'),
        ms(r.add_ms),
        ms(r.rotate_ms),
        ms(r.delete_ms),
        ms(r.render_ms),
        ms(r.sync_ms),
        String(r.secret_reads_per_sync),
        String(r.secret_reads_per_render),
        bytes(r.bytes_written_per_op),
      ]),
    ])}\n\nslope from ${scale[0]!.keys} to ${scale[scale.length - 1]!.keys} keys (exponent 0 = flat per operation, 1 = grows with the number of keys):\n` +
      `${table([['figure', 'ratio', 'exponent'], ...Object.entries(slope).map(([field, s]) => [field, `${s.ratio}×`, String(s.exponent)])])}\n`,
  );

  step('what the user waits for in the activated extension (fresh processes; store on this disk)');
  const extension = measureExtension(path.join(OUT_DIR, 'extensionChild.js'), sizes.bundle, settings.extension);
  process.stdout.write(
    `${table([
      [
        'keys',
        'ready',
        'store open',
        'first render',
        'full render',
        ...CHANGES.map((c) => `${c}: ext / store`),
        'rows read / built per change',
      ],
      ...extension.map((r) => [
        r.keys.toLocaleString('en-US'),
        ms(r.ready_ms),
        ms(r.open_ms),
        ms(r.first_render_ms),
        ms(r.render_ms),
        ...CHANGES.map((c) => `${ms(r.changes[c].ext_ms)} / ${ms(r.changes[c].store_ms)} (${r.changes[c].ratio.toFixed(2)}×)`),
        CHANGES.map((c) => `${c} ${r.changes[c].rows_read}/${r.changes[c].rows_built}`).join(', '),
      ]),
    ])}\nready: require + activate() until the tree shows every key; a change: the store's call, the extension's reactions, the rows VS Code reads again and the status bar, against the same call on a bare store\n`,
  );

  const results = {
    generated_at: new Date().toISOString(),
    quick,
    machine,
    bundle_bytes: sizes.bundle_bytes,
    sdk_bundle_bytes: sizes.sdk_bundle_bytes,
    sdk_over_bundle: sizes.sdk_over_bundle,
    vsix_bytes: vsixBytes,
    bundle_top_inputs: sizes.bundle_top_inputs,
    bundle_builtins: sizes.bundle_builtins,
    sdk_top_packages: sizes.sdk_top_packages,
    activate_ms_median: activation.activate_ms_median,
    activation,
    op_ratio_vs_raw_median: ops.op_ratio_vs_raw_median,
    op_ratio_vs_sdk_median: ops.op_ratio_vs_sdk_median,
    op_ratio_vs_raw_http_median: ops.op_ratio_vs_raw_http_median,
    user_requests_per_key_call: ops.user_requests_per_key_call.ours,
    ops,
    discovery_found_ms: discovery.discovery_found_ms,
    discovery_none_ms: discovery.discovery_none_ms,
    discovery_hung_ms: discovery.discovery_hung_ms,
    discovery,
    scale,
    scale_slope: slope,
    extension,
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);

  step('against the targets (issues 12 and 18)');
  process.stdout.write(`${table([['figure', 'now', 'target', 'met'], ...targetRows(results)])}\n`);
  const missing = checkResults(results, settings.scale.sizes, settings.extension.sizes);
  if (missing.length > 0) {
    process.stderr.write(`bench: results incomplete: ${missing.join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), outFile)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
