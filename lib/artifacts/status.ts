// Status: what `pk3s-run-matrix status` and `make test-checkstatus` print (docs/privacy-and-telemetry.md
// › Test artifacts) — one `[OK]|[SKIP]|[FAIL] <level> scenario=<s> duration=<n>s` line per result and
// `Summary: N pass, N skip, N fail, N unknown`, as the reference's status tool prints them, over
// manifests either implementation wrote. By default the latest result per scenario and level
// (readable after many runs); `all` for the history. The report is pure (entries in, lines and
// exit code out); listing and reading the directory is at the edge (collectManifests).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { visibleText } from "../cli/visible.ts";
import { isLeftover, RUNS_DIR } from "./names.ts";
import { type ReadOutcome, readStoredManifest, type StoredManifest } from "./reader.ts";

export interface ManifestEntry {
  /** The file name inside infra-runs/. */
  file: string;
  read: ReadOutcome<StoredManifest>;
}

export interface StatusOptions {
  /** TEST_SCENARIO: only this scenario's results. */
  scenario?: string | undefined;
  /** Only results started at or after this time (ms since the epoch). */
  sinceMs?: number | undefined;
  /** Every result, not only the latest per scenario and level. */
  all?: boolean;
}

export interface StatusReport {
  /** stdout lines. */
  lines: string[];
  /** stderr lines (warnings). */
  warnings: string[];
  counts: { pass: number; skip: number; fail: number; unknown: number };
  exitCode: number;
}

const PREFIX: Record<string, "[OK]" | "[SKIP]" | "[FAIL]"> = {
  pass: "[OK]",
  success: "[OK]",
  skip: "[SKIP]",
  fail: "[FAIL]",
  failed: "[FAIL]",
};
const COUNTED = { "[OK]": "pass", "[SKIP]": "skip", "[FAIL]": "fail" } as const;

/** When the result started: started_at (either writer's format), else the file name's stamp. */
export function startedMs(manifest: StoredManifest, file: string): number | null {
  const parsed = manifest.started_at ? Date.parse(manifest.started_at) : Number.NaN;
  if (!Number.isNaN(parsed)) return parsed;
  const stamp = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(file);
  if (!stamp) return null;
  const [, y, mo, d, h, mi, s] = stamp.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

interface Result {
  file: string;
  manifest: StoredManifest;
  at: number | null;
}

const byTime = (a: Result, b: Result) =>
  (a.at ?? 0) - (b.at ?? 0) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/** The status report over `entries` (where they came from is named by `where` in warnings). */
export function statusReport(entries: ManifestEntry[], options: StatusOptions, where: string): StatusReport {
  const warnings: string[] = [];
  const counts = { pass: 0, skip: 0, fail: 0, unknown: 0 };
  let results: Result[] = [];
  const unreadable: string[] = [];
  for (const { file, read } of entries) {
    if (!read.ok) {
      // Whose it is cannot be known: reported only when no scenario filter applies.
      if (!options.scenario) unreadable.push(`[WARN] ${RUNS_DIR}/${visibleText(file)}: ${read.problem}`);
      continue;
    }
    if (options.scenario && read.value.scenario !== options.scenario) continue;
    results.push({ file, manifest: read.value, at: startedMs(read.value, file) });
  }
  if (options.sinceMs !== undefined) {
    const since = options.sinceMs;
    results = results.filter((r) => r.at !== null && r.at >= since);
  }
  results.sort(byTime);
  if (!options.all) {
    const latest = new Map<string, Result>();
    for (const r of results) latest.set(`${r.manifest.test_level}\u0000${r.manifest.scenario}`, r);
    results = [...latest.values()].sort(byTime);
  }
  if (results.length === 0 && unreadable.length === 0) {
    const scope = options.scenario ? ` for scenario ${options.scenario}` : "";
    const when = options.sinceMs !== undefined ? " since the given time" : "";
    warnings.push(`[WARN] No test result artifacts found in ${where}${scope}${when}`);
    return { lines: [], warnings, counts, exitCode: 1 };
  }
  const lines: string[] = [];
  for (const { manifest } of results) {
    const prefix = PREFIX[manifest.result];
    if (prefix) counts[COUNTED[prefix]]++;
    else counts.unknown++;
    lines.push(
      // What a file on disk says is shown as text: no escape sequence reaches the terminal.
      `${prefix ?? "[WARN]"} ${manifest.test_level} scenario=${visibleText(manifest.scenario)} duration=${manifest.duration_seconds}s`,
    );
  }
  for (const line of unreadable) {
    counts.unknown++;
    lines.push(line);
  }
  lines.push(
    `Summary: ${counts.pass} pass, ${counts.skip} skip, ${counts.fail} fail, ${counts.unknown} unknown`,
  );
  return { lines, warnings, counts, exitCode: counts.fail > 0 || counts.unknown > 0 ? 1 : 0 };
}

/** Every `*.json` entry of infra-runs/ (leftovers of killed writers aside), read safely. */
export function collectManifests(artifactsDir: string): ManifestEntry[] {
  const runs = join(artifactsDir, RUNS_DIR);
  let files: string[];
  try {
    files = readdirSync(runs);
  } catch {
    return [];
  }
  return files
    .filter((file) => file.endsWith(".json") && !isLeftover(file))
    .sort()
    .map((file) => ({ file, read: readStoredManifest(join(runs, file)) }));
}
