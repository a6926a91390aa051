// Activation cost: require + activate() of the production bundle with a stub `vscode`, each in a fresh
// process, minus a fresh process that requires only the Node built-ins the bundle loads. VS Code's
// extension host has those built-ins loaded already, so what remains is what the extension adds.
// Runs alternate (extension, baseline, extension, …) so that load on the machine hits both alike.
import { execFileSync } from 'node:child_process';
import { median, round } from './stats';

export interface ActivationResult {
  activate_ms_median: number;
  /** The extension's process: require + activate() (medians of each part, and of the sum). */
  ext_total_ms_median: number;
  ext_require_ms_median: number;
  ext_activate_only_ms_median: number;
  baseline_ms_median: number;
  /** The built-ins the bundle requires, and how many internal Node modules activation loads in all. */
  builtins: string[];
  internal_modules_loaded: number;
  internal_modules_in_baseline: number;
  runs: number;
}

interface ChildResult {
  total_ms: number;
  require_ms?: number;
  activate_ms?: number;
  builtins?: string[];
  internal_modules: string[] | number;
}

function run(child: string, mode: string, target: string): ChildResult {
  const out = execFileSync(process.execPath, [child, mode, target], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

export function measureActivation(childScript: string, bundle: string, runs: number): ActivationResult {
  const inspected = run(childScript, 'inspect', bundle);
  const builtins = inspected.builtins ?? [];
  const list = builtins.join(',');
  const ext: ChildResult[] = [];
  const base: ChildResult[] = [];
  for (let i = 0; i < runs; i++) {
    ext.push(run(childScript, 'ext', bundle));
    base.push(run(childScript, 'baseline', list));
  }
  const extTotal = median(ext.map((r) => r.total_ms));
  const baseTotal = median(base.map((r) => r.total_ms));
  return {
    activate_ms_median: round(extTotal - baseTotal),
    ext_total_ms_median: round(extTotal),
    ext_require_ms_median: round(median(ext.map((r) => r.require_ms ?? 0))),
    ext_activate_only_ms_median: round(median(ext.map((r) => r.activate_ms ?? 0))),
    baseline_ms_median: round(baseTotal),
    builtins,
    internal_modules_loaded: Array.isArray(inspected.internal_modules) ? inspected.internal_modules.length : inspected.internal_modules,
    internal_modules_in_baseline: Number(base[0]?.internal_modules ?? 0),
    runs,
  };
}
