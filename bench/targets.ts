// The targets of issue 12, and the check that a run produced every result key (the bench's only
// assertion: it prints figures; it does not fail on a missed target).
import type { ScaleRow, Slope } from './scale';

export const REQUIRED_KEYS = [
  'bundle_bytes',
  'sdk_bundle_bytes',
  'vsix_bytes',
  'activate_ms_median',
  'op_ratio_vs_raw_median',
  'op_ratio_vs_sdk_median',
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

/** A per-operation figure is flat when it grows at most this much from the smallest size to the largest. */
export const FLAT_RATIO = 2;

type Results = Record<(typeof REQUIRED_KEYS)[number] | 'op_ratio_no_check_vs_raw_median', number> & {
  scale: ScaleRow[];
  scale_slope: Record<string, Slope>;
};

/** The keys that are missing or not finite numbers; empty when the run is complete. */
export function checkResults(results: Record<string, unknown>, sizes: readonly number[]): string[] {
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
  return missing;
}

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
      'per call vs raw fetch (worst operation, medians)',
      `${results.op_ratio_vs_raw_median.toFixed(2)}×`,
      '≤ 1.05×',
      yes(results.op_ratio_vs_raw_median <= 1.05),
    ],
    [
      'per call vs raw fetch, the client alone (without the GET /user before key calls)',
      `${results.op_ratio_no_check_vs_raw_median.toFixed(2)}×`,
      '≤ 1.05× (diagnostic)',
      yes(results.op_ratio_no_check_vs_raw_median <= 1.05),
    ],
    [
      'per call vs the SDK (worst operation, medians)',
      `${results.op_ratio_vs_sdk_median.toFixed(2)}×`,
      '≤ 1.00×',
      yes(results.op_ratio_vs_sdk_median <= 1),
    ],
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
  ];
}
