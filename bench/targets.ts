// The targets of issues 12 and 18, and the check that a run produced every result key (the bench's only
// assertion: it prints figures; it does not fail on a missed target).
import type { Operation } from './calls';
import { CHANGES, type ExtensionRow } from './extension';
import type { OpsResult } from './ops';
import type { ScaleRow, Slope } from './scale';

export const REQUIRED_KEYS = [
  'bundle_bytes',
  'sdk_bundle_bytes',
  'vsix_bytes',
  'activate_ms_median',
  'op_ratio_vs_raw_median',
  'op_ratio_vs_sdk_median',
  'op_ratio_vs_raw_http_median',
  'user_requests_per_key_call',
  'discovery_found_ms',
  'discovery_none_ms',
  'discovery_hung_ms',
] as const;

export const SCALE_KEYS = [
  'keys',
  'add_ms',
  'rotate_ms',
  'delete_ms',
  'render_ms',
  'secret_reads_per_sync',
  'bytes_written_per_op',
] as const;

export const EXTENSION_KEYS = ['keys', 'ready_ms', 'open_ms', 'first_render_ms', 'render_ms', 'change_ratio_max'] as const;

/** A per-operation figure is flat when it grows at most this much from the smallest size to the largest. */
export const FLAT_RATIO = 2;

type Results = Record<(typeof REQUIRED_KEYS)[number], number> & {
  ops: OpsResult;
  scale: ScaleRow[];
  scale_slope: Record<string, Slope>;
  extension: ExtensionRow[];
};

/** The keys that are missing or not finite numbers; empty when the run is complete. */
export function checkResults(results: Record<string, unknown>, sizes: readonly number[], extensionSizes: readonly number[]): string[] {
  const missing: string[] = REQUIRED_KEYS.filter((key) => typeof results[key] !== 'number' || !Number.isFinite(results[key]));
  const scale = results['scale'];
  if (!Array.isArray(scale)) return [...missing, 'scale'];
  for (const size of sizes) {
    const row = (scale as Array<Record<string, unknown>>).find((r) => r['keys'] === size);
    if (!row) missing.push(`scale[keys=${size}]`);
    else {
      for (const key of SCALE_KEYS) {
        if (typeof row[key] !== 'number' || !Number.isFinite(row[key])) missing.push(`scale[keys=${size}].${key}`);
      }
    }
  }
  const extension = results['extension'];
  if (!Array.isArray(extension)) return [...missing, 'extension'];
  for (const size of extensionSizes) {
    const row = (extension as Array<Record<string, unknown>>).find((r) => r['keys'] === size);
    if (!row) {
      missing.push(`extension[keys=${size}]`);
      continue;
    }
    for (const key of EXTENSION_KEYS) {
      if (typeof row[key] !== 'number' || !Number.isFinite(row[key])) missing.push(`extension[keys=${size}].${key}`);
    }
    const changes = row['changes'] as Record<string, Record<string, unknown>> | undefined;
    for (const change of CHANGES) {
      for (const key of ['ext_ms', 'store_ms', 'rows_read', 'rows_built'] as const) {
        const value = changes?.[change]?.[key];
        if (typeof value !== 'number' || !Number.isFinite(value)) missing.push(`extension[keys=${size}].changes.${change}.${key}`);
      }
    }
  }
  return missing;
}

/** The worst ratio of medians among `operations`, against `field`. */
function worst(ops: OpsResult, operations: readonly Operation[], field: 'ratio_vs_raw_median' | 'ratio_vs_sdk_median'): number {
  return Math.max(...operations.map((op) => ops.per_op[op][field]));
}

const KEY_CALLS: readonly Operation[] = ['create', 'update', 'delete'];
const READS: readonly Operation[] = ['user', 'health'];

const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');

/** One row per target: figure, now, target, met. */
export function targetRows(results: Results): string[][] {
  const first = results.scale[0]!;
  const last = results.scale[results.scale.length - 1]!;
  const flat = (field: 'add_ms' | 'rotate_ms' | 'delete_ms'): string[] => {
    const ratio = results.scale_slope[field]!.ratio;
    return [
      `${field.replace('_ms', '')}: per-op growth ${first.keys}→${last.keys} keys`,
      `${ratio}×`,
      `flat (≤ ${FLAT_RATIO}×)`,
      yes(ratio <= FLAT_RATIO),
    ];
  };
  const times = results.sdk_bundle_bytes / results.bundle_bytes;
  return [
    ['production bundle', `${results.bundle_bytes.toLocaleString('en-US')} B`, '≤ 40,960 B (40 KB)', yes(results.bundle_bytes <= 40_960)],
    ['SDK bundle / ours', `${times.toFixed(1)}×`, '≥ 32×', yes(times >= 32)],
    [
      'require + activate() above the built-ins',
      `${results.activate_ms_median.toFixed(2)} ms`,
      '≤ 5 ms',
      yes(results.activate_ms_median <= 5),
    ],
    [
      'create, update, delete vs raw fetch (worst, medians; identity checked)',
      `${worst(results.ops, KEY_CALLS, 'ratio_vs_raw_median').toFixed(2)}×`,
      '≤ 1.05×',
      yes(worst(results.ops, KEY_CALLS, 'ratio_vs_raw_median') <= 1.05),
    ],
    [
      'create, update, delete vs the SDK (worst, medians)',
      `${worst(results.ops, KEY_CALLS, 'ratio_vs_sdk_median').toFixed(2)}×`,
      '≤ 1.00×',
      yes(worst(results.ops, KEY_CALLS, 'ratio_vs_sdk_median') <= 1),
    ],
    [
      'GET /user and health vs raw fetch (worst, medians)',
      `${worst(results.ops, READS, 'ratio_vs_raw_median').toFixed(2)}×`,
      '≤ 1.05×',
      yes(worst(results.ops, READS, 'ratio_vs_raw_median') <= 1.05),
    ],
    [
      'GET /user per key call (steady state)',
      String(results.user_requests_per_key_call),
      '0 (reported)',
      yes(results.user_requests_per_key_call === 0),
    ],
    ['every call vs raw node:http keep-alive (worst, medians)', `${results.op_ratio_vs_raw_http_median.toFixed(2)}×`, '(reported)', ''],
    ['discovery: found (39333 role)', `${results.discovery_found_ms.toFixed(1)} ms`, '≤ 20 ms', yes(results.discovery_found_ms <= 20)],
    ['discovery: nothing listening', `${results.discovery_none_ms.toFixed(1)} ms`, '≤ 20 ms', yes(results.discovery_none_ms <= 20)],
    [
      'discovery: one port hangs, another answers',
      `${results.discovery_hung_ms.toFixed(1)} ms`,
      '≤ 20 ms',
      yes(results.discovery_hung_ms <= 20),
    ],
    [
      `secret reads per sync (${last.keys} keys)`,
      String(last.secret_reads_per_sync),
      `O(1) (≤ ${first.secret_reads_per_sync}, as at ${first.keys} keys)`,
      yes(last.secret_reads_per_sync <= first.secret_reads_per_sync),
    ],
    [
      `secret reads per re-render, rows unchanged (${last.keys} keys)`,
      String(last.secret_reads_per_render),
      '0',
      yes(last.secret_reads_per_render === 0),
    ],
    flat('add_ms'),
    flat('rotate_ms'),
    flat('delete_ms'),
    ...extensionRows(results.extension),
  ];
}

function extensionRows(rows: readonly ExtensionRow[]): string[][] {
  const at = (keys: number): ExtensionRow | undefined => rows.find((r) => r.keys === keys);
  const out: string[][] = [];
  for (const [keys, limit] of [
    [100, 50],
    [10_000, 500],
  ] as const) {
    const row = at(keys);
    if (row) {
      out.push([
        `ready at ${keys.toLocaleString('en-US')} keys`,
        `${row.ready_ms.toFixed(1)} ms`,
        `≤ ${limit} ms`,
        yes(row.ready_ms <= limit),
      ]);
    }
  }
  const ratio = Math.max(...rows.map((r) => r.change_ratio_max));
  out.push([
    `a change in the extension / on the store alone (worst change, ${rows[0]!.keys}–${rows[rows.length - 1]!.keys.toLocaleString('en-US')} keys)`,
    `${ratio.toFixed(2)}×`,
    '≤ 1.5×',
    yes(ratio <= 1.5),
  ]);
  const largest = at(10_000);
  if (largest) out.push(['full tree render at 10,000 keys', `${largest.render_ms.toFixed(1)} ms`, '≤ 20 ms', yes(largest.render_ms <= 20)]);
  const built = Math.max(...rows.flatMap((r) => CHANGES.map((c) => r.changes[c].rows_built)));
  out.push([
    'tree rows built anew per change (worst change and size)',
    String(built),
    'only what changed (≤ 2: the row and its provider)',
    yes(built <= 2),
  ]);
  return out;
}
